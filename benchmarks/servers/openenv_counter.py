"""The official OpenEnv stack serving the counter (run under the official venv).

``uvicorn benchmarks.servers.openenv_counter:app``; ``BENCH_MAX_SESSIONS`` sets
``max_concurrent_envs`` (the sample app in envs/ caps it at 8).
"""

from __future__ import annotations

import os

from openenv.core.env_server.http_server import create_app

from envs.openenv_native.counter_envs import CounterAction, CounterObservation
from envs.openenv_native.counter_envs import CounterEnv as OpenEnvCounter

app = create_app(
    OpenEnvCounter,
    CounterAction,
    CounterObservation,
    env_name="counter",
    max_concurrent_envs=int(os.environ.get("BENCH_MAX_SESSIONS", "1024")),
)
