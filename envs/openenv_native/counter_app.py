"""Serve the OpenEnv-library counter (``envs.openenv_native.counter_envs``), openenv 0.10.x.

``app``: the typed counter; ``mcp_app``: the MCP tool counter. Mode follows OpenEnv's
``OPENENV_MODE`` environment variable. Serve with
``uvicorn envs.openenv_native.counter_app:app``.
"""

from __future__ import annotations

from openenv.core.env_server.http_server import create_app
from openenv.core.env_server.mcp_types import CallToolAction, CallToolObservation

from envs.openenv_native.counter_envs import (
    CounterAction,
    CounterEnv,
    CounterObservation,
    CounterState,
    ToolCounterEnv,
)

app = create_app(
    CounterEnv,
    CounterAction,
    CounterObservation,
    env_name="counter",
    max_concurrent_envs=8,
    state_cls=CounterState,
)
mcp_app = create_app(
    ToolCounterEnv,
    CallToolAction,
    CallToolObservation,
    env_name="tool_counter",
    max_concurrent_envs=8,
)
