"""Pool engines: where a pool's servers run and who keeps them alive.

The pool itself only holds sessions, batches their ops and reports results; an engine
takes each source ``pool.add`` is given (one per replica) and decides where it runs.
``LocalEngine`` (the default) runs sources as they are, on this machine; ``RayEngine``
(``envbridge.pool.ray_engine``, the ``envbridge[ray]`` extra) wraps each one in a Ray
actor placed on a cluster node.
"""

from __future__ import annotations

from typing import Any, Protocol

from envbridge.pool.results import PoolError
from envbridge.pool.sources import Source


class Engine(Protocol):
    """Places servers and owns their lifecycle (start, revive after death, stop)."""

    name: str

    def place(self, source: Source, resources: dict[str, float]) -> Source:
        """The source the pool will start for one replica (nothing starts yet)."""
        ...

    async def close(self) -> None:
        """Release what the engine holds, once every source stopped."""
        ...


class LocalEngine:
    """Servers on this machine: URLs as given, subprocesses on loopback, local containers."""

    name = "local"

    def place(self, source: Source, resources: dict[str, float]) -> Source:
        if resources:
            raise PoolError(
                f"resources= places servers on a cluster's nodes; {source!r} runs on this "
                "machine (use Pool(engine='ray') to place it by resources)"
            )
        return source

    async def close(self) -> None:
        return None


def make_engine(engine: str | Engine, address: str | None, options: dict[str, Any]) -> Engine:
    """``"local"``, ``"ray"`` or an engine object, as ``Pool(engine=...)`` takes it."""
    if not isinstance(engine, str):
        if address is not None or options:
            raise PoolError("address= and engine_options= go to the engine you built yourself")
        return engine
    if engine == "local":
        if address is not None or options:
            raise PoolError(
                "address= and engine_options= need a cluster engine: Pool(engine='ray', ...)"
            )
        return LocalEngine()
    if engine == "ray":
        try:
            from envbridge.pool.ray_engine import RayEngine
        except ImportError as exc:  # depends on the install
            hint = "pip install 'envbridge[ray]'"
            raise PoolError(f"engine='ray' needs Ray: {hint} ({exc})") from exc
        return RayEngine(address=address, **options)
    raise PoolError(f"engine must be 'local', 'ray' or an Engine object, got {engine!r}")


def split_sessions(sessions: int, replicas: int) -> list[int]:
    """``sessions`` over ``replicas`` servers as evenly as possible (first ones get more)."""
    base, extra = divmod(sessions, replicas)
    return [base + (1 if k < extra else 0) for k in range(replicas)]
