"""The servers and the client/server pairings the benchmark measures.

A *pairing* is one line of the report: a client kind (run under a given virtualenv)
against a named server. Floors, the official stack, envbridge and the cross pairing
(official client, envbridge server) are all pairings of the same shape.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from benchmarks import report
from benchmarks.workloads import COUNTER, Workload

STACKS = ("envbridge", "openenv", "floors", "fast")
"""What ``--stacks`` selects from (``fast``: envbridge with ``envbridge[fast]``, uvloop and
orjson, on both ends)."""
STACK_OF_SERVER = {"envbridge": "envbridge", "openenv": "openenv", "raw-ws": "floors",
                   "asgi-echo": "floors", "envbridge-fast": "fast",
                   "envbridge-asgi": "envbridge",
                   "envbridge-counter": "envbridge"}  # fmt: skip
COUNTER_TARGET = COUNTER.envbridge_target
CORE_JSON = {"ENVBRIDGE_JSON": "stdlib"}
"""A core install has no orjson: the headline envbridge rows pin the standard library's."""
FAST_JSON = {"ENVBRIDGE_JSON": "orjson"}


@dataclass(frozen=True)
class Interpreters:
    """The two virtualenvs: envbridge's ``.venv`` and the official stack's own."""

    envbridge: Path
    openenv: Path


@dataclass(frozen=True)
class ServerSpec:
    """How to start one server on a port."""

    name: str
    argv: Callable[[int], list[str]]
    env: dict[str, str]


def servers(py: Interpreters, workload: Workload, max_sessions: int) -> list[ServerSpec]:
    """Every server the run needs for ``workload`` (all listen on 127.0.0.1)."""
    eb, oe = str(py.envbridge), str(py.openenv)

    def envbridge(
        name: str, loop: str, env: dict[str, str], target: str = workload.envbridge_target
    ) -> ServerSpec:
        def argv(port: int) -> list[str]:
            module = "benchmarks.servers.envbridge_server"
            return [eb, "-m", module, target, str(port), str(max_sessions), loop]

        return ServerSpec(name, argv, env)

    specs = [
        envbridge("envbridge", "asyncio", CORE_JSON),
        *(  # a bridged workload's /ws share is judged against the counter, side by side
            [envbridge("envbridge-counter", "asyncio", CORE_JSON, COUNTER_TARGET)]
            if workload.envbridge_target != COUNTER_TARGET
            else []
        ),
        envbridge("envbridge-fast", "uvloop", FAST_JSON),
        # /ws through uvicorn's ASGI layer, as before spec/server/ws_direct.py
        envbridge("envbridge-asgi", "asyncio", {**CORE_JSON, "ENVBRIDGE_WS_PATH": "asgi"}),
    ]
    if workload.openenv_app is not None:
        specs.append(
            ServerSpec(
                "openenv",
                lambda port: [oe, "-m", "uvicorn", workload.openenv_app, *_uvicorn_flags(port)],
                {"BENCH_MAX_SESSIONS": str(max_sessions)},
            )
        )
        specs.append(
            ServerSpec(
                "raw-ws", lambda port: [eb, "-m", "benchmarks.servers.raw_ws_echo", str(port)], {}
            )
        )
        specs.append(
            ServerSpec(
                "asgi-echo",
                lambda port: [
                    eb,
                    "-m",
                    "uvicorn",
                    "benchmarks.servers.asgi_echo:app",
                    *_uvicorn_flags(port),
                    "--loop",
                    "asyncio",
                ],
                {},
            )
        )
    return specs


def _uvicorn_flags(port: int) -> list[str]:
    return ["--host", "127.0.0.1", "--port", str(port), "--log-level", "warning"]


@dataclass(frozen=True)
class Pairing:
    """One report line: ``client`` kind in ``venv``'s measurement process vs ``server``.

    ``venv``: "envbridge" (core: standard-library JSON), "envbridge-fast" (the same
    virtualenv with orjson on) or "openenv".
    """

    label: str
    client: str
    venv: str
    server: str | None
    workload: str | None = None
    """The workload whose actions the client sends; None: the run's current one."""


# Single-session WebSocket: the floors, then the three stacks.
WS_PAIRINGS = [
    Pairing("floor: websockets echo", "raw-ws", "envbridge", "raw-ws"),
    Pairing("floor: uvicorn ASGI echo", "raw-ws", "envbridge", "asgi-echo"),
    Pairing("OpenEnv client -> OpenEnv server", "openenv", "openenv", "openenv"),
    Pairing("envbridge client -> envbridge server", "envbridge", "envbridge", "envbridge"),
    Pairing(report.ASGI_WS, "envbridge", "envbridge", "envbridge-asgi"),
    Pairing("OpenEnv client -> envbridge server", "openenv", "openenv", "envbridge"),
    Pairing(report.FAST_WS, "envbridge", "envbridge-fast", "envbridge-fast"),
]
WS_LOAD_PAIRINGS = [
    pairing
    for pairing in WS_PAIRINGS
    if pairing.server not in ("asgi-echo", "envbridge-asgi")  # single-session comparisons
]
"""Concurrency sweeps: the websockets floor, the stacks and the cross pairing."""
WS_SYNC_PAIRINGS = [
    Pairing("OpenEnv .sync() -> OpenEnv server", "openenv-sync", "openenv", "openenv"),
    Pairing("envbridge .sync() -> envbridge server", "envbridge-sync", "envbridge", "envbridge"),
]
HTTP_PAIRINGS = [
    Pairing("floor: uvicorn ASGI echo", "httpx", "envbridge", "asgi-echo"),
    Pairing("httpx -> OpenEnv server (stateless)", "httpx", "openenv", "openenv"),
    Pairing("envbridge client -> envbridge server", "envbridge-http", "envbridge", "envbridge"),
]
INPROCESS_PAIRINGS = [
    Pairing("OpenEnv env.step", "inproc-openenv-env", "openenv", None),
    Pairing("OpenEnv /ws frame, no socket", "inproc-openenv-core", "openenv", None),
    Pairing("envbridge env.step", "inproc-envbridge-env", "envbridge", None),
    Pairing("envbridge /ws frame, no socket", "inproc-envbridge-core", "envbridge", None),
    Pairing(report.FAST_FRAME, "inproc-envbridge-core", "envbridge-fast", None),
]
OVERHEAD_PAIRINGS = [
    Pairing(report.BRIDGE_FRAME, "inproc-bridge-overhead", "envbridge", None),
    Pairing(report.FAST_FRAME, "inproc-bridge-overhead", "envbridge-fast", None),
]
"""Bridge overhead, frame and bare env timed alternately in one process (gym workloads)."""
SHARE_PAIRINGS = [
    Pairing(report.SHARE_COUNTER, "envbridge", "envbridge", "envbridge-counter", "counter"),
    Pairing(report.OURS_WS, "envbridge", "envbridge", "envbridge"),
]
"""A bridged workload's /ws steps/s against the counter's, repetitions interleaved."""
GYM_ENV_PAIRING = Pairing("Gymnasium env.step, no envbridge", "inproc-gym-env", "envbridge", None)
"""The bridged env's own step: bridge overhead = the /ws frame's p50 minus this p50."""
IDLE_PAIRINGS = [
    Pairing("OpenEnv server", "openenv", "openenv", "openenv"),
    Pairing("envbridge server", "envbridge", "envbridge", "envbridge"),
]
BATCH_PAIRING = Pairing(
    "envbridge client, one connection, batched", "envbridge", "envbridge", "envbridge"
)
"""The batching extension (docs/protocol.md): many sessions stepped by one frame."""
