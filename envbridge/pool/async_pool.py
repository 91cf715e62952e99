"""``Pool``: many sessions across many OpenEnv servers, driven concurrently.

Add servers (URLs, serve targets, commands, Docker images), start the pool, then
``reset``/``step``/``state`` any set of sessions at once. Results come back in the order
asked, each tagged with its session index and environment name.
"""

from __future__ import annotations

import asyncio
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Literal

import httpx

from envbridge.pool import health as server_health
from envbridge.pool import tasks as pool_tasks
from envbridge.pool.engines import Engine, make_engine, split_sessions
from envbridge.pool.lanes import (
    BatchedLane,
    DirectLane,
    Lane,
    LaneSettings,
    Op,
    batch_capacity,
    check_batch_fits,
)
from envbridge.pool.results import PoolError, PoolResult, PoolStats, ServerStats
from envbridge.pool.sources import DEFAULT_START_TIMEOUT_S, Source, UrlSource
from envbridge.pool.tasks import TaskRef, TaskSampler, Weights
from envbridge.spec.client import BatchingUnsupported, EnvbridgeClientError

BatchChoice = bool | Literal["auto"]
Actions = Sequence[Any] | Mapping[int, Any]
"""A list with one action (or None: skip) per session, or ``{index: action}``."""


@dataclass(slots=True)
class _Server:
    env: str
    """The name its sessions answer to (replicas of one ``add`` share it)."""
    source: Source
    sessions: int
    first: int
    """Pool index of the server's first session."""
    batch: BatchChoice
    max_concurrency: int | None
    stats: ServerStats
    lane: Lane | None = None


class Pool:
    """Sessions across many servers (async; :class:`SyncPool` is the blocking twin).

    ::

        pool = Pool()
        pool.add("http://127.0.0.1:8000", sessions=4)
        pool.add(TargetSource("gym:CartPole-v1"), sessions=8)  # started and stopped by the pool
        async with pool:
            first = await pool.reset(seed=0)                   # session i gets seed 0 + i
            results = await pool.step([{"action": 0}] * len(pool))

    ``engine`` says where the servers the pool starts run: ``"local"`` (subprocesses and
    containers of this machine) or ``"ray"`` (Ray actors across a cluster; ``address`` is
    the cluster, None joins the current Ray context or starts a local one; extra
    ``engine_options`` go to :class:`~envbridge.pool.ray_engine.RayEngine`).
    """

    def __init__(
        self,
        *,
        timeout_s: float = 60.0,
        connect_timeout_s: float = 10.0,
        reconnect_timeout_s: float = 30.0,
        start_timeout_s: float = DEFAULT_START_TIMEOUT_S,
        engine: str | Engine = "local",
        address: str | None = None,
        engine_options: dict[str, Any] | None = None,
    ):
        self._settings = LaneSettings(timeout_s, connect_timeout_s, reconnect_timeout_s)
        self._start_timeout_s = start_timeout_s
        self._engine = make_engine(engine, address, engine_options or {})
        self._servers: list[_Server] = []
        self._envs: list[str] = []
        self._launched = False
        self._started = False
        self._closed = False

    # ------------------------------------------------------------------ building

    def add(
        self,
        source: Source | str,
        *,
        sessions: int = 1,
        name: str | None = None,
        max_concurrency: int | None = None,
        batch: BatchChoice = "auto",
        replicas: int = 1,
        resources: dict[str, float] | None = None,
    ) -> range:
        """Add a server with ``sessions`` sessions; returns their pool indices.

        ``source`` is a URL string (a running server) or a :class:`Source`:
        :class:`TargetSource` (run ``envbridge serve TARGET`` on loopback),
        :class:`ProcessSource` (any server command; ``{port}`` is replaced by a free
        loopback port) or :class:`ImageSource` (a Docker image, via ``envbridge[docker]``).
        ``max_concurrency`` caps ops in flight on this server (ops per frame when batched).
        ``batch``: ``"auto"`` batches when the server advertises the extension and has two
        or more sessions. ``replicas`` starts that many servers from the source (copies of
        it) and spreads the sessions over them; all answer to one ``name``. ``resources``
        (Ray engine) is what each replica needs from its node, e.g. ``{"CPU": 1}``.
        """
        if self._launched:
            raise PoolError("add servers before the pool is launched or started")
        if isinstance(source, str):
            source = UrlSource(source)
        if not isinstance(source, Source):
            raise PoolError(
                "add() takes a URL string or a Source (TargetSource, ProcessSource, "
                f"ImageSource, UrlSource), got {source!r}"
            )
        if not isinstance(sessions, int) or isinstance(sessions, bool) or sessions < 1:
            raise PoolError(f"sessions must be a positive integer, got {sessions!r}")
        if max_concurrency is not None and (
            not isinstance(max_concurrency, int) or max_concurrency < 1
        ):
            raise PoolError(f"max_concurrency must be a positive integer, got {max_concurrency!r}")
        if batch not in (True, False, "auto"):
            raise PoolError(f"batch must be True, False or 'auto', got {batch!r}")
        if not isinstance(replicas, int) or isinstance(replicas, bool) or replicas < 1:
            raise PoolError(f"replicas must be a positive integer, got {replicas!r}")
        if replicas > sessions:
            raise PoolError(f"{replicas} replicas for {sessions} sessions leave some idle")
        name = self._unique(name or source.default_name())
        copies = [source] + [source.copy() for _ in range(replicas - 1)]
        placed = [self._engine.place(copy, dict(resources or {})) for copy in copies]
        first = len(self._envs)
        for replica, (server, share) in enumerate(
            zip(placed, split_sessions(sessions, replicas), strict=True)
        ):
            server_name = name if replicas == 1 else f"{name}/{replica}"
            server.bind(server_name, share, self._start_timeout_s)
            stats = ServerStats(name=server_name, kind=server.kind, sessions=share)
            start = len(self._envs)
            self._servers.append(_Server(name, server, share, start, batch, max_concurrency, stats))
            self._envs.extend([name] * share)
        return range(first, len(self._envs))

    def _unique(self, name: str) -> str:
        taken = {server.env for server in self._servers}
        candidate, n = name, 2
        while candidate in taken:
            candidate, n = f"{name}#{n}", n + 1
        return candidate

    # ----------------------------------------------------------------- lifecycle

    async def launch(self) -> Pool:
        """Start the servers the pool owns, without opening sessions yet.

        Useful to check or inspect servers (``pool.urls()``) before training; ``start``
        launches first when needed.
        """
        if self._closed:
            raise PoolError("this pool was closed; make a new one")
        if self._launched:
            return self
        if not self._servers:
            raise PoolError("the pool has no servers; call pool.add(...) first")
        self._launched = True
        try:
            await asyncio.gather(*(self._launch_server(server) for server in self._servers))
        except BaseException:
            await self.close()
            raise
        return self

    async def _launch_server(self, server: _Server) -> None:
        server.stats.url = await server.source.start()
        server.stats.node = server.source.node

    async def start(self) -> Pool:
        """Launch the servers (if not yet) and open every session (all or nothing)."""
        await self.launch()
        if self._started:
            return self
        self._started = True
        try:
            await asyncio.gather(*(self._open_server(server) for server in self._servers))
        except BaseException:
            await self.close()
            raise
        return self

    async def _open_server(self, server: _Server) -> None:
        try:
            lane = await self._open_lane(server)
        except PoolError:
            raise
        except EnvbridgeClientError as exc:
            raise PoolError(
                f"cannot open {server.sessions} session(s) on {server.stats.name} "
                f"({server.source.url}): {exc}"
            ) from exc
        server.lane = lane
        server.stats.batched = lane.batched

    async def _open_lane(self, server: _Server) -> Lane:
        args = (server.source, server.sessions, server.stats, self._settings)
        capacity = None
        if server.batch is True or (server.batch == "auto" and server.sessions > 1):
            capacity = await batch_capacity(server.source.url, self._settings.connect_timeout_s)
            if capacity is None and server.batch is True:
                raise PoolError(
                    f"{server.stats.name} ({server.source.url}) does not advertise batched "
                    "stepping; pass batch='auto' or batch=False"
                )
        if capacity is not None:
            check_batch_fits(server.stats.name, server.sessions, capacity)
            lane: Lane = BatchedLane(*args, max_concurrency=server.max_concurrency)
            try:
                await lane.open()
                return lane
            except BatchingUnsupported:
                if server.batch is True:
                    raise
        lane = DirectLane(*args, max_concurrency=server.max_concurrency)
        await lane.open()
        return lane

    async def close(self) -> None:
        """Close every session and stop the servers the pool started (idempotent)."""
        self._closed = True
        lanes = [s.lane for s in self._servers if s.lane is not None]
        for server in self._servers:
            server.lane = None
        await asyncio.gather(*(lane.close() for lane in lanes), return_exceptions=True)
        await asyncio.gather(*(s.source.stop() for s in self._servers), return_exceptions=True)
        await self._engine.close()

    async def __aenter__(self) -> Pool:
        return await self.start()

    async def __aexit__(self, *exc: object) -> None:
        await self.close()

    # --------------------------------------------------------------- the env API

    def __len__(self) -> int:
        return len(self._envs)

    @property
    def envs(self) -> list[str]:
        """The environment (server) name of each session, by pool index."""
        return list(self._envs)

    def indices(self, env: str) -> list[int]:
        """The pool indices of the sessions of server ``env``."""
        found = [i for i, name in enumerate(self._envs) if name == env]
        if not found:
            raise PoolError(f"no server called {env!r}; servers: {sorted(set(self._envs))}")
        return found

    def urls(self) -> dict[str, str]:
        """Each server's base URL (known once the pool started)."""
        return {s.stats.name: s.source.url for s in self._servers}

    async def reset(
        self,
        sessions: Sequence[int] | None = None,
        *,
        seed: int | Sequence[int | None] | None = None,
        **options: Any,
    ) -> list[PoolResult]:
        """Reset ``sessions`` (default: all). An int ``seed`` gives the k-th session
        ``seed + k`` (as Gymnasium's vector envs do); a list gives one seed per session.
        Extra keyword arguments travel as reset options."""
        chosen = list(range(len(self))) if sessions is None else list(sessions)
        if seed is None or isinstance(seed, int):
            seeds: list[int | None] = [
                None if seed is None else seed + k for k in range(len(chosen))
            ]
        else:
            seeds = list(seed)
            if len(seeds) != len(chosen):
                raise PoolError(f"got {len(seeds)} seeds for {len(chosen)} sessions")
        ops = []
        for index, session_seed in zip(chosen, seeds, strict=True):
            data = dict(options)
            if session_seed is not None:
                data["seed"] = session_seed
            ops.append((index, "reset", data))
        return await self._run(ops)

    async def reset_each(self, resets: Sequence[tuple[int, dict[str, Any]]]) -> list[PoolResult]:
        """Reset each ``(session, reset data)`` pair (seed, split, index, options...)."""
        return await self._run([(index, "reset", dict(data)) for index, data in resets])

    # --------------------------------------------------------------- tasks

    async def task_sampler(
        self,
        *,
        split: str | Mapping[str, str] | None = None,
        weights: Weights = None,
        seed: int = 0,
    ) -> TaskSampler:
        """Sample tasks across the servers (see :mod:`envbridge.pool.tasks`)."""
        return await pool_tasks.build_sampler(self, split=split, weights=weights, seed=seed)

    async def reset_tasks(
        self, tasks: Sequence[TaskRef], sessions: Sequence[int] | None = None
    ) -> list[PoolResult]:
        """Reset one free session of each task's server onto that task; results carry it."""
        return await pool_tasks.reset_onto(self, tasks, sessions)

    async def reset_sampled(
        self, sampler: TaskSampler, sessions: Sequence[int] | None = None
    ) -> list[PoolResult]:
        """Reset sessions onto the next task of their own server; results carry it."""
        return await pool_tasks.reset_sampled(self, sampler, sessions)

    async def step(self, actions: Actions) -> list[PoolResult]:
        """Step many sessions at once: ``[action or None per session]`` (None skips the
        session) or ``{index: action}``. Results in the order given."""
        if isinstance(actions, Mapping):
            pairs = list(actions.items())
        else:
            if len(actions) > len(self):
                raise PoolError(f"got {len(actions)} actions for a pool of {len(self)} sessions")
            pairs = [(i, a) for i, a in enumerate(actions) if a is not None]
        return await self._run([(index, "step", _action_dict(a)) for index, a in pairs])

    async def state(self, sessions: Sequence[int] | None = None) -> list[PoolResult]:
        """The state of ``sessions`` (default: all)."""
        chosen = range(len(self)) if sessions is None else sessions
        return await self._run([(index, "state", {}) for index in chosen])

    def stats(self) -> PoolStats:
        """Counters per server: sessions, batched, resets, steps, errors, reconnects."""
        return PoolStats([server.stats for server in self._servers])

    async def health(self) -> dict[str, list[str]]:
        """Each server's ``GET /health``: server name -> why it is unhealthy (an empty
        list when healthy). A server answers 503 with reasons while a bridge's shared
        worker is dead or wedged; its sessions' calls may fail until it recovers."""
        async with httpx.AsyncClient(timeout=5.0, trust_env=False) as http:
            reports = await asyncio.gather(
                *(server_health.problems(http, s.source.url) for s in self._servers)
            )
        return {s.stats.name: r for s, r in zip(self._servers, reports, strict=True)}

    async def _run(self, ops: list[tuple[int, str, dict[str, Any]]]) -> list[PoolResult]:
        if not self._started or self._closed:
            raise PoolError("the pool is not running; use 'async with pool:' or pool.start()")
        per_server: dict[int, list[tuple[int, Op]]] = {}
        for position, (index, kind, data) in enumerate(ops):
            server = self._server_of(index)
            per_server.setdefault(id(server), []).append(
                (position, (index - server.first, kind, data))
            )
        results: list[PoolResult | None] = [None] * len(ops)

        async def run_server(server: _Server, items: list[tuple[int, Op]]) -> None:
            assert server.lane is not None
            outcomes = await server.lane.run([op for _, op in items])
            for (position, (slot, _, _)), (value, reconnected) in zip(items, outcomes, strict=True):
                error = value if isinstance(value, Exception) else None
                results[position] = PoolResult(
                    index=server.first + slot,
                    env=server.env,
                    value=None if error else value,
                    error=error,
                    reconnected=reconnected,
                )

        servers = {id(s): s for s in self._servers}
        await asyncio.gather(*(run_server(servers[k], items) for k, items in per_server.items()))
        return results  # type: ignore[return-value]

    def _server_of(self, index: Any) -> _Server:
        if not isinstance(index, int) or isinstance(index, bool) or not 0 <= index < len(self):
            raise PoolError(f"no session {index!r}; the pool has sessions 0..{len(self) - 1}")
        for server in self._servers:
            if server.first <= index < server.first + server.sessions:
                return server
        raise AssertionError("unreachable: indices cover every server")


def _action_dict(action: Any) -> dict[str, Any]:
    if hasattr(action, "model_dump"):
        action = action.model_dump()
    if not isinstance(action, dict):
        raise PoolError(f"an action must be a dict (or a pydantic model), got {action!r}")
    return action
