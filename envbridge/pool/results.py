"""What the pool hands back: per-session results tagged with their environment, and stats."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from envbridge.spec.client import EnvbridgeClientError, StepResult


class PoolError(EnvbridgeClientError):
    """The pool was used wrongly or a server could not be started; the message says why."""


class SessionLost(EnvbridgeClientError):
    """The session's connection dropped; the pool reconnected, but the episode is gone.

    Reset the session (``pool.reset([index])``) to continue.
    """


@dataclass(frozen=True, slots=True)
class PoolResult:
    """One session's answer to a pool call.

    ``index`` is the session's place in the pool, ``env`` the name of its server. Exactly
    one of ``value`` (a :class:`StepResult` for reset/step, a dict for state) and ``error``
    is set; ``reconnected`` tells that the pool had to reconnect on the way.
    """

    index: int
    env: str
    value: StepResult | dict[str, Any] | None = None
    error: Exception | None = None
    reconnected: bool = False
    task: Any = None
    """The :class:`~envbridge.pool.tasks.TaskRef` a task reset started (else None)."""

    @property
    def ok(self) -> bool:
        """True when the call succeeded."""
        return self.error is None

    def unwrap(self) -> Any:
        """The value, or raise the error."""
        if self.error is not None:
            raise self.error
        return self.value

    @property
    def step_result(self) -> StepResult:
        """The :class:`StepResult` of a reset or step (raises the error if it failed)."""
        value = self.unwrap()
        if not isinstance(value, StepResult):
            raise TypeError(f"session {self.index} returned a state, not a step result")
        return value

    @property
    def observation(self) -> dict[str, Any]:
        """The observation object (raises the error if the call failed)."""
        return self.step_result.observation

    @property
    def reward(self) -> float | int | bool | None:
        """The reward (raises the error if the call failed)."""
        return self.step_result.reward

    @property
    def done(self) -> bool:
        """Whether the episode ended (raises the error if the call failed)."""
        return self.step_result.done


@dataclass(slots=True)
class ServerStats:
    """Counters of one server in the pool."""

    name: str
    kind: str
    """``url``, ``target``, ``command`` or ``image``."""
    url: str = ""
    node: str = ""
    """The cluster node running the server (Ray engine), else empty."""
    sessions: int = 0
    batched: bool = False
    resets: int = 0
    steps: int = 0
    errors: int = 0
    reconnects: int = 0
    """Connections re-established after a drop (each one is logged as a warning)."""
    restarts: int = 0
    """Times the pool restarted (or re-placed) a server it owns after it died."""
    busy_s: float = 0.0
    """Wall time spent in calls to this server."""

    @property
    def steps_per_s(self) -> float:
        """Steps per second of busy time (0 before any step)."""
        return self.steps / self.busy_s if self.busy_s else 0.0


@dataclass(slots=True)
class PoolStats:
    """Counters of the whole pool, one :class:`ServerStats` per server."""

    servers: list[ServerStats] = field(default_factory=list)

    @property
    def steps(self) -> int:
        """Successful steps over all servers."""
        return sum(s.steps for s in self.servers)

    @property
    def reconnects(self) -> int:
        """Reconnections over all servers."""
        return sum(s.reconnects for s in self.servers)

    @property
    def restarts(self) -> int:
        """Server restarts over all servers."""
        return sum(s.restarts for s in self.servers)

    def server(self, name: str) -> ServerStats:
        """The stats of the server called ``name`` (KeyError if none)."""
        for stats in self.servers:
            if stats.name == name:
                return stats
        raise KeyError(name)
