"""Servers built with the official OpenEnv library, for the conformance tests.

Runs unchanged under openenv 0.10.x (.venv) and openenv-core 0.3.x (.venv-oe03), so it
imports nothing from envbridge. 0.10.x takes the mode in ``create_app(mode=...)``; 0.3.x
has no such parameter, so production registers the routes itself with
``HTTPEnvServer.register_routes(app, mode=...)``, the only way that version offers.

``uvicorn tests.conformance.openenv_apps:apps`` serves four servers from one process
(OpenEnv takes seconds to import): ``/simulation/counter``, ``/simulation/tools``,
``/production/counter`` and ``/production/tools`` (a typed counter and an MCP
environment with FastMCP tools, in each mode).
"""

from __future__ import annotations

import inspect
from typing import Any

from fastapi import FastAPI
from openenv.core.env_server.http_server import HTTPEnvServer, create_app
from openenv.core.env_server.mcp_types import CallToolAction, CallToolObservation
from starlette.applications import Starlette
from starlette.responses import JSONResponse
from starlette.routing import Mount, Route

from envs.openenv_native.counter_envs import (
    CounterAction,
    CounterEnv,
    CounterObservation,
    ToolCounterEnv,
)

MAX_SESSIONS = 4


def build(env: type, action_cls: type, observation_cls: type, name: str, mode: str) -> FastAPI:
    """The app for ``env`` in ``mode`` with whatever this OpenEnv version offers."""
    if "mode" in inspect.signature(create_app).parameters:  # openenv 0.10.x
        return create_app(
            env,
            action_cls,
            observation_cls,
            env_name=name,
            max_concurrent_envs=MAX_SESSIONS,
            mode=mode,
        )
    if mode == "simulation":
        return create_app(
            env, action_cls, observation_cls, env_name=name, max_concurrent_envs=MAX_SESSIONS
        )
    app = FastAPI(title="OpenEnv Environment HTTP API", version="1.0.0")
    HTTPEnvServer(env, action_cls, observation_cls, MAX_SESSIONS).register_routes(app, mode=mode)
    return app


async def _process_health(request: Any) -> JSONResponse:
    return JSONResponse({"status": "healthy"})


apps = Starlette(
    routes=[Route("/health", _process_health)]
    + [
        Mount(
            f"/{mode}/counter",
            app=build(CounterEnv, CounterAction, CounterObservation, "counter", mode),
        )
        for mode in ("simulation", "production")
    ]
    + [
        Mount(
            f"/{mode}/tools",
            app=build(ToolCounterEnv, CallToolAction, CallToolObservation, "tool_counter", mode),
        )
        for mode in ("simulation", "production")
    ]
)
