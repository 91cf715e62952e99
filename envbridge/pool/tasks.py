"""Tasks across a pool's servers: sample them, reset sessions onto them.

:class:`TaskSampler` is sans-I/O: it knows each server's split and task count and draws
``(server, split, index)`` references, seeded, without replacement within an epoch.
``weights=None`` draws uniformly over every task of every server (an epoch is every
task once); ``weights="servers"`` gives each server the same share, and a mapping
``{server: weight}`` any share (each server then cycles through its own tasks, one
epoch per pass). :func:`build_sampler` reads the counts over the Task API;
:func:`reset_onto` resets sessions onto references and tags every result with its task.
"""

from __future__ import annotations

import asyncio
import dataclasses
import random
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from envbridge.pool.results import PoolError, PoolResult
from envbridge.spec.client import AsyncTasks, TasksUnsupported

if TYPE_CHECKING:
    from envbridge.pool.async_pool import Pool

Weights = None | str | Mapping[str, float]


@dataclass(frozen=True, slots=True)
class TaskRef:
    """One task of one server: ``env`` (the pool's server name), ``split``, ``index``,
    and the task spec as the server lists it (``None`` until fetched)."""

    env: str
    split: str
    index: int
    spec: Any = None


class _Cycle:
    """One server's tasks in a seeded order, reshuffled for each new epoch."""

    def __init__(self, count: int, seed: int, name: str):
        self.count = count
        self.rng = random.Random(f"{seed}/{name}")
        self.epoch = -1
        self.order: list[int] = []

    def remaining(self) -> int:
        return len(self.order)

    def refill(self) -> None:
        self.epoch += 1
        self.order = list(range(self.count))
        self.rng.shuffle(self.order)

    def take(self) -> int:
        if not self.order:
            self.refill()
        return self.order.pop()


class TaskSampler:
    """Draw task references across servers (see the module docstring for ``weights``)."""

    def __init__(
        self, counts: Mapping[str, tuple[str, int]], *, weights: Weights = None, seed: int = 0
    ):
        """``counts``: server name -> (split, number of tasks)."""
        self.splits = {name: split for name, (split, _) in counts.items()}
        live = {name: n for name, (_, n) in counts.items() if n > 0}
        if not live:
            raise PoolError("no server has tasks to sample (every split is empty)")
        self._weights = _resolve_weights(weights, list(live))
        self._cycles = {name: _Cycle(n, seed, name) for name, n in live.items()}
        self._rng = random.Random(seed)
        self.epoch = 0
        """Uniform mode: completed passes over every task."""
        if self._weights is None:
            for cycle in self._cycles.values():
                cycle.refill()

    def sample(self, k: int) -> list[TaskRef]:
        """The next ``k`` task references."""
        return [self._next() for _ in range(k)]

    def next_for(self, server: str) -> TaskRef:
        """The next task of ``server`` (its own cycle, whatever the weights)."""
        cycle = self._cycles.get(server)
        if cycle is None:
            raise PoolError(f"server {server!r} has no tasks in this sampler")
        return TaskRef(server, self.splits[server], cycle.take())

    def _next(self) -> TaskRef:
        names = list(self._cycles)
        if self._weights is None:  # uniform over the tasks left in this epoch
            left = [self._cycles[name].remaining() for name in names]
            if not any(left):
                self.epoch += 1
                for cycle in self._cycles.values():
                    cycle.refill()
                left = [cycle.remaining() for cycle in self._cycles.values()]
            name = self._rng.choices(names, weights=left)[0]
        else:
            name = self._rng.choices(names, weights=[self._weights[n] for n in names])[0]
        return self.next_for(name)


def _resolve_weights(weights: Weights, names: list[str]) -> dict[str, float] | None:
    if weights is None:
        return None
    if weights == "servers":
        return {name: 1.0 for name in names}
    if isinstance(weights, str) or not isinstance(weights, Mapping):
        raise PoolError(f'weights must be None, "servers" or {{server: weight}}, got {weights!r}')
    unknown = sorted(set(weights) - set(names))
    if unknown:
        raise PoolError(f"weights name servers without tasks: {unknown}; servers: {names}")
    chosen = {name: float(weights.get(name, 0.0)) for name in names}
    if any(w < 0 for w in chosen.values()) or not any(chosen.values()):
        raise PoolError(f"weights must be >= 0 with at least one > 0, got {dict(weights)}")
    return {name: w for name, w in chosen.items() if w > 0}


async def _server_split(
    tasks: AsyncTasks, name: str, wanted: str | None, named: bool
) -> tuple[str, int] | None:
    try:
        splits = await tasks.splits()
    except TasksUnsupported:
        if named:
            raise PoolError(f"server {name!r} lists no tasks (Task API answers 501)") from None
        return None
    names = [str(split["name"]) for split in splits]
    if wanted is None:
        trains = [str(s["name"]) for s in splits if s.get("type") == "train"]
        wanted = (trains or names or [None])[0]
        if wanted is None:
            return None
    elif wanted not in names:
        raise PoolError(f"server {name!r} has no split {wanted!r}; it has {names}")
    return wanted, await tasks.count(wanted)


async def build_sampler(
    pool: Pool,
    *,
    split: str | Mapping[str, str] | None = None,
    weights: Weights = None,
    seed: int = 0,
) -> TaskSampler:
    """A sampler over the pool's servers. ``split``: one name for every server, a
    ``{server: split}`` mapping (other servers are left out; each named one must list
    tasks), or None (each server's ``train``-type split, else its first). Servers whose
    Task API answers 501 are left out unless named in a mapping."""
    urls = pool.urls()
    if isinstance(split, Mapping):
        unknown = sorted(set(split) - set(urls))
        if unknown:
            raise PoolError(f"split names servers the pool lacks: {unknown}")
        wanted = dict(split)
    else:
        wanted = {name: split for name in urls}
    clients = {name: AsyncTasks(urls[name]) for name in wanted}
    try:
        found = await asyncio.gather(
            *(
                _server_split(clients[name], name, wanted[name], isinstance(split, Mapping))
                for name in wanted
            )
        )
    finally:
        await asyncio.gather(*(client.close() for client in clients.values()))
    counts = {name: got for name, got in zip(wanted, found, strict=True) if got is not None}
    if not counts:
        raise PoolError("no server of the pool lists tasks (every Task API answered 501)")
    return TaskSampler(counts, weights=weights, seed=seed)


async def fetch_specs(pool: Pool, refs: Sequence[TaskRef]) -> list[TaskRef]:
    """``refs`` with their task specs filled in (one Task API request each)."""
    urls = pool.urls()
    clients = {name: AsyncTasks(urls[name]) for name in {ref.env for ref in refs}}
    try:
        specs = await asyncio.gather(*(clients[ref.env].get(ref.split, ref.index) for ref in refs))
    finally:
        await asyncio.gather(*(client.close() for client in clients.values()))
    return [dataclasses.replace(ref, spec=spec) for ref, spec in zip(refs, specs, strict=True)]


def assign_sessions(
    pool: Pool, refs: Sequence[TaskRef], sessions: Sequence[int] | None = None
) -> list[int]:
    """A distinct session of the right server for each reference (in order)."""
    free: dict[str, list[int]] = {}
    allowed = set(range(len(pool))) if sessions is None else set(sessions)
    for index, env in enumerate(pool.envs):
        if index in allowed:
            free.setdefault(env, []).append(index)
    chosen = []
    for ref in refs:
        spare = free.get(ref.env)
        if not spare:
            raise PoolError(
                f"no free session of server {ref.env!r} for task {ref.split}[{ref.index}]; "
                "give that server more sessions or reset fewer of its tasks at once"
            )
        chosen.append(spare.pop(0))
    return chosen


async def reset_onto(
    pool: Pool,
    refs: Sequence[TaskRef],
    sessions: Sequence[int] | None = None,
    *,
    with_specs: bool = True,
) -> list[PoolResult]:
    """Reset one session per reference onto exactly that task; each result carries its
    :class:`TaskRef` (with the task spec when ``with_specs``)."""
    indices = assign_sessions(pool, refs, sessions)
    if with_specs:
        refs = await fetch_specs(pool, refs)
    results = await pool.reset_each(
        [
            (index, {"split": ref.split, "index": ref.index})
            for index, ref in zip(indices, refs, strict=True)
        ]
    )
    return [
        dataclasses.replace(result, task=ref) for result, ref in zip(results, refs, strict=True)
    ]


async def reset_sampled(
    pool: Pool,
    sampler: TaskSampler,
    sessions: Sequence[int] | None = None,
    *,
    with_specs: bool = True,
) -> list[PoolResult]:
    """Reset each session (default: every session whose server has tasks) onto the
    next task of its own server."""
    chosen = [
        i
        for i in (range(len(pool)) if sessions is None else sessions)
        if sessions is not None or pool.envs[i] in sampler.splits
    ]
    refs = [sampler.next_for(pool.envs[index]) for index in chosen]
    if with_specs:
        refs = await fetch_specs(pool, refs)
    results = await pool.reset_each(
        [
            (index, {"split": ref.split, "index": ref.index})
            for index, ref in zip(chosen, refs, strict=True)
        ]
    )
    return [
        dataclasses.replace(result, task=ref) for result, ref in zip(results, refs, strict=True)
    ]
