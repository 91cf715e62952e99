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
from uuid import uuid4

from fastapi import FastAPI
from fastmcp import FastMCP
from openenv.core.env_server.http_server import HTTPEnvServer, create_app
from openenv.core.env_server.interfaces import Environment
from openenv.core.env_server.mcp_environment import MCPEnvironment
from openenv.core.env_server.mcp_types import CallToolAction, CallToolObservation
from openenv.core.env_server.types import Action, Observation, State
from starlette.applications import Starlette
from starlette.responses import JSONResponse
from starlette.routing import Mount, Route

MAX_SESSIONS = 4


class CounterAction(Action):
    """Add ``delta`` to the count."""

    delta: int = 1


class CounterObservation(Observation):
    """The count after the action."""

    count: int = 0
    last_delta: int = 0


class CounterEnv(Environment):
    """Reward = delta; done at |count| >= 10; seeds pick the start (0..4)."""

    SUPPORTS_CONCURRENT_SESSIONS = True

    def __init__(self) -> None:
        super().__init__()
        self._state = State(episode_id=str(uuid4()), step_count=0)
        self.count = 0

    def reset(self, seed: int | None = None, episode_id: str | None = None, **_: Any):
        self.count = 0 if seed is None else seed % 5
        self._state = State(episode_id=episode_id or str(uuid4()), step_count=0)
        return CounterObservation(count=self.count, last_delta=0, done=False, reward=None)

    def step(self, action: CounterAction, **_: Any):
        self.count += action.delta
        self._state.step_count += 1
        return CounterObservation(
            count=self.count,
            last_delta=action.delta,
            reward=action.delta,
            done=abs(self.count) >= 10,
        )

    @property
    def state(self) -> State:
        return self._state


class ToolCounterEnv(MCPEnvironment):
    """FastMCP tools ``add`` and ``echo``; every step counts."""

    SUPPORTS_CONCURRENT_SESSIONS = True

    def __init__(self) -> None:
        server = FastMCP("counter")
        self.count = 0

        @server.tool()
        def add(amount: int) -> int:
            """Add an integer to the count and return the new count."""
            self.count += amount
            return self.count

        @server.tool()
        def echo(message: str) -> str:
            """Return the message unchanged."""
            return message

        super().__init__(server)
        self._state = State(episode_id=str(uuid4()), step_count=0)

    def reset(self, seed: int | None = None, episode_id: str | None = None, **_: Any):
        self.count = 0
        self._state = State(episode_id=episode_id or str(uuid4()), step_count=0)
        return Observation(done=False, reward=None)

    def step(self, action: Action, timeout_s: float | None = None, **kwargs: Any):
        self._state.step_count += 1
        return super().step(action, timeout_s=timeout_s, **kwargs)

    async def step_async(self, action: Action, timeout_s: float | None = None, **kwargs: Any):
        """0.10.x's /ws calls this instead of step(); count the step here too."""
        if not hasattr(super(), "step_async"):
            return self.step(action, timeout_s=timeout_s, **kwargs)
        self._state.step_count += 1
        return await super().step_async(action, timeout_s=timeout_s, **kwargs)

    def _step_impl(self, action: Action, **_: Any):
        return Observation(done=False, reward=None)

    @property
    def state(self) -> State:
        return self._state


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
