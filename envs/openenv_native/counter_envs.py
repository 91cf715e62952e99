"""A counter written with the official OpenEnv library, in two shapes.

``CounterEnv`` (typed action ``{"delta": int}``) and ``ToolCounterEnv`` (an
``MCPEnvironment`` with FastMCP tools ``add`` and ``echo``). Version-neutral: the same
classes run under openenv 0.10.x and openenv-core 0.3.x, and import nothing from
envbridge. ``counter_app`` serves them; the conformance tests mount them per mode.
"""

from __future__ import annotations

from typing import Any
from uuid import uuid4

from fastmcp import FastMCP
from openenv.core.env_server.interfaces import Environment
from openenv.core.env_server.mcp_environment import MCPEnvironment
from openenv.core.env_server.types import Action, Observation, State


class CounterAction(Action):
    """Add ``delta`` to the count."""

    delta: int = 1


class CounterObservation(Observation):
    """The count after the action."""

    count: int = 0
    last_delta: int = 0


class CounterState(State):
    """Base state plus the count (State allows extra fields in every OpenEnv version)."""

    count: int = 0


class CounterEnv(Environment):
    """Reward = delta; done at |count| >= 10; seeds pick the start (0..4)."""

    SUPPORTS_CONCURRENT_SESSIONS = True

    def __init__(self) -> None:
        super().__init__()
        self._state = CounterState(episode_id=str(uuid4()), step_count=0)
        self.count = 0

    def reset(self, seed: int | None = None, episode_id: str | None = None, **_: Any):
        self.count = 0 if seed is None else seed % 5
        self._state = CounterState(
            episode_id=episode_id or str(uuid4()), step_count=0, count=self.count
        )
        return CounterObservation(count=self.count, last_delta=0, done=False, reward=None)

    def step(self, action: CounterAction, **_: Any):
        self.count += action.delta
        self._state.count = self.count
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
