"""Pool engines: where a pool's servers run and who keeps them alive.

The pool itself only holds sessions, batches their ops and reports results; an engine
turns each ``pool.add(...)`` into one or more :class:`Source` objects (one per replica).
``LocalEngine`` (the default) starts servers as subprocesses or containers of this
machine; ``RayEngine`` (``envbridge.pool.ray_engine``, the ``envbridge[ray]`` extra)
places them as Ray actors across a cluster.
"""

from __future__ import annotations

import os
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any, Literal, Protocol

from envbridge.pool.results import PoolError
from envbridge.pool.sources import (
    DEFAULT_START_TIMEOUT_S,
    ImageSource,
    ProcessSource,
    Source,
    TargetSource,
    UrlSource,
    target_argv,
)

SourceKind = Literal["url", "target", "command", "image"]


@dataclass(frozen=True, slots=True)
class ServerPlan:
    """What one ``pool.add`` asked for, for one replica: the engine decides where it runs."""

    kind: SourceKind
    value: str | tuple[str, ...]
    """The URL, serve target, command argv or image."""
    name: str
    sessions: int
    """Sessions this replica serves."""
    options: dict[str, Any] | None = None
    cwd: str | None = None
    env: dict[str, str] = field(default_factory=dict)
    resources: dict[str, float] = field(default_factory=dict)
    start_timeout_s: float = DEFAULT_START_TIMEOUT_S

    def argv(self, host: str = "127.0.0.1") -> list[str]:
        """The server command (``{port}`` placeholder kept) for a target or command."""
        if self.kind == "target":
            assert isinstance(self.value, str)
            max_sessions = max(256, 2 * self.sessions + 16)
            return target_argv(self.value, self.options, max_sessions=max_sessions, host=host)
        if self.kind == "command":
            return list(self.value)
        raise PoolError(f"a {self.kind} server has no command")


class Engine(Protocol):
    """Places servers and owns their lifecycle (start, revive after death, stop)."""

    name: str

    def source(self, plan: ServerPlan) -> Source:
        """The source of one replica; nothing starts before ``Source.start``."""
        ...

    async def close(self) -> None:
        """Release what the engine holds (after every source stopped)."""
        ...


class LocalEngine:
    """Servers on this machine: URLs as given, subprocesses on loopback, local containers."""

    name = "local"

    def source(self, plan: ServerPlan) -> Source:
        if plan.resources:
            raise PoolError(
                f"resources= places servers on a cluster; {plan.name} runs locally "
                "(use Pool(engine='ray') to place it by resources)"
            )
        if plan.kind == "url":
            assert isinstance(plan.value, str)
            return UrlSource(plan.value, plan.name)
        timeout = plan.start_timeout_s
        if plan.kind == "image":
            assert isinstance(plan.value, str)
            return ImageSource(plan.value, plan.name, start_timeout_s=timeout)
        kind = TargetSource if plan.kind == "target" else ProcessSource
        return kind(plan.argv(), plan.name, cwd=plan.cwd, env=plan.env, start_timeout_s=timeout)

    async def close(self) -> None:
        return None


def make_engine(engine: str | Engine, address: str | None, options: dict[str, Any]) -> Engine:
    """``"local"``, ``"ray"`` or an engine object, as ``Pool(engine=...)`` takes it."""
    if not isinstance(engine, str):
        if address is not None or options:
            raise PoolError("address= and engine options go to the engine you built yourself")
        return engine
    if engine == "local":
        if address is not None or options:
            raise PoolError(
                "address= and engine options need a cluster engine: Pool(engine='ray', ...)"
            )
        return LocalEngine()
    if engine == "ray":
        try:
            from envbridge.pool.ray_engine import RayEngine
        except ImportError as exc:  # pragma: no cover - depends on the install
            hint = "pip install 'envbridge[ray]'"
            raise PoolError(f"engine='ray' needs Ray: {hint} ({exc})") from exc
        return RayEngine(address=address, **options)
    raise PoolError(f"engine must be 'local', 'ray' or an Engine object, got {engine!r}")


def split_sessions(sessions: int, replicas: int) -> list[int]:
    """``sessions`` over ``replicas`` servers as evenly as possible (first ones get more)."""
    base, extra = divmod(sessions, replicas)
    return [base + (1 if k < extra else 0) for k in range(replicas)]


def plan_value(
    url: str | None, target: str | None, command: Sequence[str] | None, image: str | None
) -> tuple[SourceKind, str | tuple[str, ...]]:
    """Which of url/target/command/image was given (the caller checked exactly one)."""
    if url:
        return "url", url
    if target:
        return "target", target
    if command:
        return "command", tuple(command)
    assert image is not None
    return "image", image


def plan_cwd(cwd: str | os.PathLike[str] | None) -> str | None:
    return None if cwd is None else os.fspath(cwd)
