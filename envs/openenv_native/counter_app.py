"""A counter environment built with the official OpenEnv library (openenv 0.10.x).

Two apps: ``app`` (typed action ``{"delta": int}``) and ``mcp_app`` (an
``MCPEnvironment`` with FastMCP tools ``add`` and ``echo``). Mode follows OpenEnv's
``OPENENV_MODE`` environment variable. Serve with
``uvicorn envs.openenv_native.counter_app:app``.
"""

from __future__ import annotations

from typing import Any
from uuid import uuid4

from fastmcp import FastMCP
from openenv.core.env_server.http_server import create_app
from openenv.core.env_server.interfaces import Environment
from openenv.core.env_server.mcp_environment import MCPEnvironment
from openenv.core.env_server.mcp_types import CallToolAction, CallToolObservation
from openenv.core.env_server.types import Action, Observation, State


class CounterAction(Action):
    """Add ``delta`` to the count."""

    delta: int = 1


class CounterObservation(Observation):
    """The count after the action."""

    count: int = 0
    last_delta: int = 0


class CounterState(State):
    """Base state plus the count."""

    count: int = 0


class OpenEnvCounter(Environment):
    """Counter written the OpenEnv way: reward = delta, done at |count| >= 10."""

    SUPPORTS_CONCURRENT_SESSIONS = True

    def __init__(self) -> None:
        super().__init__()
        self._state = CounterState(episode_id=str(uuid4()), step_count=0)

    def reset(self, seed: int | None = None, episode_id: str | None = None, **_: Any):
        start = 0 if seed is None else seed % 5
        self._state = CounterState(episode_id=episode_id or str(uuid4()), step_count=0, count=start)
        return CounterObservation(count=start, last_delta=0, reward=None, done=False)

    def step(self, action: CounterAction, **_: Any):
        self._state.count += action.delta
        self._state.step_count += 1
        return CounterObservation(
            count=self._state.count,
            last_delta=action.delta,
            reward=action.delta,
            done=abs(self._state.count) >= 10,
        )

    @property
    def state(self) -> CounterState:
        return self._state


class OpenEnvToolCounter(MCPEnvironment):
    """The same counter exposing FastMCP tools ``add`` and ``echo``."""

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

    def _step_impl(self, action: Action, **_: Any):
        return Observation(done=False, reward=None)

    @property
    def state(self) -> State:
        return self._state


app = create_app(
    OpenEnvCounter,
    CounterAction,
    CounterObservation,
    env_name="counter",
    max_concurrent_envs=8,
    state_cls=CounterState,
)
mcp_app = create_app(
    OpenEnvToolCounter,
    CallToolAction,
    CallToolObservation,
    env_name="tool_counter",
    max_concurrent_envs=8,
)
