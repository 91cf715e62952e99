"""``SyncPool``: the blocking twin of :class:`Pool`, same methods without ``await``.

It runs the async pool on a private event loop in the calling thread (an
:class:`asyncio.Runner`), so there is no background thread and no cross-thread hop.
"""

from __future__ import annotations

import asyncio
from collections.abc import Coroutine, Sequence
from typing import Any, TypeVar

from envbridge.pool.async_pool import Actions, Pool
from envbridge.pool.results import PoolError, PoolResult, PoolStats
from envbridge.pool.sources import Source
from envbridge.pool.tasks import TaskRef, TaskSampler

T = TypeVar("T")


class SyncPool:
    """Blocking pool; see :class:`Pool` for the semantics of every method."""

    def __init__(self, **settings: Any):
        self._pool = Pool(**settings)
        self._runner: asyncio.Runner | None = None

    def add(self, source: Source | str, **kwargs: Any) -> range:
        """Add a server; see :meth:`Pool.add`."""
        return self._pool.add(source, **kwargs)

    def _run(self, coroutine: Coroutine[Any, Any, T]) -> T:
        if _loop_running():
            coroutine.close()
            raise PoolError(
                "SyncPool cannot run inside a running event loop; use envbridge.Pool with await"
            )
        if self._runner is None:
            self._runner = asyncio.Runner()
        return self._runner.run(coroutine)

    def launch(self) -> SyncPool:
        """Start the servers the pool owns without opening sessions (see Pool.launch)."""
        try:
            self._run(self._pool.launch())
        except BaseException:
            self.close()
            raise
        return self

    def start(self) -> SyncPool:
        """Start servers and open sessions (all or nothing)."""
        try:
            self._run(self._pool.start())
        except BaseException:
            self.close()
            raise
        return self

    def close(self) -> None:
        """Close sessions, stop the servers the pool started (idempotent)."""
        if self._runner is None:
            return
        try:
            self._runner.run(self._pool.close())
        finally:
            self._runner.close()
            self._runner = None

    def __enter__(self) -> SyncPool:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.close()

    def __len__(self) -> int:
        return len(self._pool)

    @property
    def envs(self) -> list[str]:
        return self._pool.envs

    def indices(self, env: str) -> list[int]:
        return self._pool.indices(env)

    def urls(self) -> dict[str, str]:
        return self._pool.urls()

    def reset(
        self,
        sessions: Sequence[int] | None = None,
        *,
        seed: int | Sequence[int | None] | None = None,
        **options: Any,
    ) -> list[PoolResult]:
        return self._run(self._pool.reset(sessions, seed=seed, **options))

    def reset_each(self, resets: Sequence[tuple[int, dict[str, Any]]]) -> list[PoolResult]:
        """Reset each (session, reset data) pair; see :meth:`Pool.reset_each`."""
        return self._run(self._pool.reset_each(resets))

    def task_sampler(self, **kwargs: Any) -> TaskSampler:
        """A task sampler over the servers; see :meth:`Pool.task_sampler`."""
        return self._run(self._pool.task_sampler(**kwargs))

    def reset_tasks(
        self, tasks: Sequence[TaskRef], sessions: Sequence[int] | None = None
    ) -> list[PoolResult]:
        """Reset sessions onto these tasks; see :meth:`Pool.reset_tasks`."""
        return self._run(self._pool.reset_tasks(tasks, sessions))

    def reset_sampled(
        self, sampler: TaskSampler, sessions: Sequence[int] | None = None
    ) -> list[PoolResult]:
        """Reset sessions onto sampled tasks; see :meth:`Pool.reset_sampled`."""
        return self._run(self._pool.reset_sampled(sampler, sessions))

    def step(self, actions: Actions) -> list[PoolResult]:
        return self._run(self._pool.step(actions))

    def state(self, sessions: Sequence[int] | None = None) -> list[PoolResult]:
        return self._run(self._pool.state(sessions))

    def stats(self) -> PoolStats:
        return self._pool.stats()

    def health(self) -> dict[str, list[str]]:
        """See :meth:`Pool.health`."""
        return self._run(self._pool.health())


def _loop_running() -> bool:
    try:
        asyncio.get_running_loop()
    except RuntimeError:
        return False
    return True
