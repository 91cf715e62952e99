"""``Pool``: many sessions across many OpenEnv servers, driven concurrently.

Add servers (URLs, serve targets, commands, Docker images), start the pool, then
``reset``/``step``/``state`` any set of sessions at once. Results come back in the order
asked, each tagged with its session index and environment name.
"""

from __future__ import annotations

import asyncio
import os
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal
from urllib.parse import urlsplit

import httpx

from envbridge.pool import health as server_health
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
from envbridge.pool.sources import (
    DEFAULT_START_TIMEOUT_S,
    ImageSource,
    ProcessSource,
    Source,
    TargetSource,
    UrlSource,
    target_argv,
)
from envbridge.spec.client import BatchingUnsupported, EnvbridgeClientError

BatchChoice = bool | Literal["auto"]
Actions = Sequence[Any] | Mapping[int, Any]
"""A list with one action (or None: skip) per session, or ``{index: action}``."""


@dataclass(slots=True)
class _Server:
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
        pool.add(target="gym:CartPole-v1", sessions=8)       # started and stopped by the pool
        async with pool:
            first = await pool.reset(seed=0)                   # session i gets seed 0 + i
            results = await pool.step([{"action": 0}] * len(pool))
    """

    def __init__(
        self,
        *,
        timeout_s: float = 60.0,
        connect_timeout_s: float = 10.0,
        reconnect_timeout_s: float = 30.0,
        start_timeout_s: float = DEFAULT_START_TIMEOUT_S,
    ):
        self._settings = LaneSettings(timeout_s, connect_timeout_s, reconnect_timeout_s)
        self._start_timeout_s = start_timeout_s
        self._servers: list[_Server] = []
        self._envs: list[str] = []
        self._launched = False
        self._started = False
        self._closed = False

    # ------------------------------------------------------------------ building

    def add(
        self,
        url: str | None = None,
        *,
        target: str | None = None,
        command: Sequence[str] | None = None,
        image: str | None = None,
        sessions: int = 1,
        name: str | None = None,
        max_concurrency: int | None = None,
        batch: BatchChoice = "auto",
        options: dict[str, Any] | None = None,
        cwd: str | os.PathLike[str] | None = None,
        env: dict[str, str] | None = None,
    ) -> range:
        """Add a server with ``sessions`` sessions; returns their pool indices.

        Give exactly one of ``url`` (a running server), ``target`` (run ``envbridge serve
        TARGET`` on loopback; ``options`` go to the target's factory), ``command`` (any
        server command; ``{port}`` is replaced by a free loopback port) or ``image`` (a
        Docker image, via ``envbridge[docker]``). ``max_concurrency`` caps ops in flight
        on this server (ops per frame when batched). ``batch``: ``"auto"`` batches when
        the server advertises the extension and has two or more sessions.
        """
        if self._launched:
            raise PoolError("add servers before the pool is launched or started")
        kinds = {"url": url, "target": target, "command": command, "image": image}
        given = [kind for kind, value in kinds.items() if value]
        if len(given) != 1:
            raise PoolError(
                "give exactly one of url=, target=, command= or image= "
                f"(got {', '.join(given) or 'none'})"
            )
        for kind in given:
            if kind != "command" and not isinstance(kinds[kind], str):
                raise PoolError(f"{kind} must be a string, got {kinds[kind]!r}")
        if command is not None and (
            not isinstance(command, list | tuple)
            or not all(isinstance(part, str) for part in command)
        ):
            raise PoolError(
                f"command must be a list of strings (['uvicorn', 'app:app', '--port', "
                f"'{{port}}']), got {command!r}"
            )
        if not isinstance(sessions, int) or isinstance(sessions, bool) or sessions < 1:
            raise PoolError(f"sessions must be a positive integer, got {sessions!r}")
        if max_concurrency is not None and (
            not isinstance(max_concurrency, int) or max_concurrency < 1
        ):
            raise PoolError(f"max_concurrency must be a positive integer, got {max_concurrency!r}")
        if batch not in (True, False, "auto"):
            raise PoolError(f"batch must be True, False or 'auto', got {batch!r}")
        name = self._unique(name or _default_name(url, target, command, image))
        source = self._source(url, target, command, image, name, sessions, options, cwd, env)
        first = len(self._envs)
        stats = ServerStats(name=name, kind=source.kind, sessions=sessions)
        self._servers.append(_Server(source, sessions, first, batch, max_concurrency, stats))
        self._envs.extend([name] * sessions)
        return range(first, first + sessions)

    def _source(
        self,
        url: str | None,
        target: str | None,
        command: Sequence[str] | None,
        image: str | None,
        name: str,
        sessions: int,
        options: dict[str, Any] | None,
        cwd: str | os.PathLike[str] | None,
        env: dict[str, str] | None,
    ) -> Source:
        timeout = self._start_timeout_s
        if url:
            return UrlSource(url, name)
        if target:
            argv = target_argv(target, options, max_sessions=max(256, 2 * sessions + 16))
            return TargetSource(argv, name, cwd=cwd, env=env, start_timeout_s=timeout)
        if command:
            return ProcessSource(command, name, cwd=cwd, env=env, start_timeout_s=timeout)
        assert image is not None
        return ImageSource(image, name, start_timeout_s=timeout)

    def _unique(self, name: str) -> str:
        taken = {server.stats.name for server in self._servers}
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
                    env=server.stats.name,
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


def _default_name(
    url: str | None, target: str | None, command: Sequence[str] | None, image: str | None
) -> str:
    if url:
        return urlsplit(url if "://" in url else f"http://{url}").netloc or url
    if target:
        return target
    if image:
        return image
    assert command is not None
    apps = [part for part in command if ":" in part and "{port}" not in part]
    return apps[0] if apps else Path(command[0]).name
