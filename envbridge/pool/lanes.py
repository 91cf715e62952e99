"""Lanes: how the pool's ops reach the sessions of one server, and how they recover.

A :class:`DirectLane` holds one WebSocket per session (any OpenEnv server); a
:class:`BatchedLane` holds all of a server's sessions on one WebSocket and sends each
call's ops in ``batch`` frames (servers that advertise ``extensions.batch``). Both
reconnect after a dropped connection, log it, count it, and report the ops that lost
their episode as :class:`SessionLost`.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any

import httpx

from envbridge.pool.results import PoolError, ServerStats, SessionLost
from envbridge.pool.sources import Source
from envbridge.spec.client import (
    AsyncClient,
    ConnectionFailed,
    EnvbridgeClientError,
    ServerError,
    StepResult,
)
from envbridge.spec.errors import FATAL_WS_CODES

log = logging.getLogger("envbridge.pool")

WARNING_INTERVAL_S = 5.0
"""Reconnections of one server within this interval share one warning (the rest: INFO)."""

Op = tuple[int, str, dict[str, Any]]
"""(slot: the session's place on its server, "reset" | "step" | "state", data)."""
Value = StepResult | dict[str, Any] | Exception
Outcome = tuple[Value, bool]
"""(result or error, whether the op met a reconnection)."""


@dataclass(frozen=True, slots=True)
class LaneSettings:
    """Client settings every lane of a pool shares."""

    timeout_s: float = 60.0
    connect_timeout_s: float = 10.0
    reconnect_timeout_s: float = 30.0


class Lane:
    """The sessions of one server; subclasses decide how ops travel."""

    batched = False

    def __init__(self, source: Source, slots: int, stats: ServerStats, settings: LaneSettings):
        self.source = source
        self.slots = slots
        self.stats = stats
        self.settings = settings
        self._lost: set[int] = set()
        """Slots whose episode died with a connection; only a reset revives them."""
        self._last_warning = -WARNING_INTERVAL_S

    def _client(self) -> AsyncClient:
        return AsyncClient(
            self.source.url,
            timeout_s=self.settings.timeout_s,
            connect_timeout_s=self.settings.connect_timeout_s,
        )

    async def open(self) -> None:
        raise NotImplementedError

    async def run(self, ops: list[Op]) -> list[Outcome]:
        """Run ``ops`` (one call's worth); outcomes in op order."""
        started = time.perf_counter()
        try:
            outcomes = await self._run(ops)
        finally:
            self.stats.busy_s += time.perf_counter() - started
        for (slot, kind, _), (value, _) in zip(ops, outcomes, strict=True):
            if isinstance(value, Exception):
                self.stats.errors += 1
            elif kind == "reset":
                self.stats.resets += 1
                self._lost.discard(slot)
            elif kind == "step":
                self.stats.steps += 1
        return outcomes

    async def _run(self, ops: list[Op]) -> list[Outcome]:
        raise NotImplementedError

    async def close(self) -> None:
        raise NotImplementedError

    def _session_lost(self, slot: int) -> SessionLost:
        return SessionLost(
            f"session {slot} of {self.stats.name} lost its episode when the connection to "
            f"{self.source.url} dropped; the pool reconnected: reset it to continue"
        )

    async def _reconnect(self, connect: Callable[[], Awaitable[None]], reason: object) -> None:
        """Call ``connect`` until it works (restarting an owned server that died), or raise
        :class:`ConnectionFailed` after ``reconnect_timeout_s``."""
        started = time.monotonic()
        delay = 0.05
        while True:
            try:
                await connect()
                break
            except ConnectionFailed as exc:
                if await self.source.revive():
                    self.stats.restarts += 1
                    self.stats.url, self.stats.node = self.source.url, self.source.node
                    log.warning(
                        "envbridge pool: %s's server had exited; restarted it", self.stats.name
                    )
                    continue
                if time.monotonic() - started + delay > self.settings.reconnect_timeout_s:
                    raise ConnectionFailed(
                        f"lost {self.stats.name} ({self.source.url}) and could not reconnect "
                        f"within {self.settings.reconnect_timeout_s:g} s: {exc}"
                    ) from exc
                await asyncio.sleep(delay)
                delay = min(delay * 2, 1.0)
        self.stats.reconnects += 1
        # one warning per burst: a restart drops every connection of a server at once
        quiet = time.monotonic() - self._last_warning < WARNING_INTERVAL_S
        self._last_warning = time.monotonic()
        log.log(
            logging.INFO if quiet else logging.WARNING,
            "envbridge pool: connection to %s (%s) dropped (%s); reconnected after %.1f s, "
            "its episodes were lost (reset to continue)",
            self.stats.name, self.source.url, reason, time.monotonic() - started,
        )  # fmt: skip


async def _call(client: AsyncClient, kind: str, data: dict[str, Any]) -> Value:
    if kind == "step":
        return await client.step(data)
    if kind == "reset":
        return await client.reset(**data)
    return await client.state()


async def _close_quietly(client: AsyncClient) -> None:
    with contextlib.suppress(EnvbridgeClientError, OSError):
        await client.close()


class DirectLane(Lane):
    """One connection per session; ``max_concurrency`` caps ops in flight."""

    def __init__(self, *args: Any, max_concurrency: int | None = None):
        super().__init__(*args)
        self._clients: list[AsyncClient] = []
        self._broken: set[int] = set()
        """Slots whose connection dropped and could not be re-established yet."""
        self._slot_locks = [asyncio.Lock() for _ in range(self.slots)]
        self._limit = asyncio.Semaphore(max_concurrency) if max_concurrency else None

    async def open(self) -> None:
        self._clients = [self._client() for _ in range(self.slots)]
        try:
            await asyncio.gather(*(self._open_session(k) for k in range(self.slots)))
        except BaseException:
            await self.close()
            raise

    async def _open_session(self, slot: int) -> None:
        """Connect and ask for the state once, so that a server which cannot hold the
        session (capacity, failing factory) says so now, not at the first reset."""
        client = self._clients[slot]
        await client.connect()
        where = f"{self.stats.name} ({self.source.url}) session {slot + 1} of {self.slots}"
        try:
            await client.state()
        except ServerError as exc:
            if exc.code in FATAL_WS_CODES:
                raise PoolError(f"{where} was refused: {exc}") from exc
        except ConnectionFailed as exc:
            raise PoolError(
                f"{where} was closed as soon as it opened ({exc}); the server may hold fewer "
                "sessions than asked (lower sessions=) or fail to build its environment"
            ) from exc

    async def _run(self, ops: list[Op]) -> list[Outcome]:
        outcomes: list[Outcome | None] = [None] * len(ops)
        per_slot: dict[int, list[int]] = {}
        for index, (slot, _, _) in enumerate(ops):
            per_slot.setdefault(slot, []).append(index)

        async def drive(slot: int, indices: list[int]) -> None:
            async with self._slot_locks[slot]:
                for index in indices:
                    _, kind, data = ops[index]
                    if self._limit is None:
                        outcomes[index] = await self._one(slot, kind, data)
                    else:
                        async with self._limit:
                            outcomes[index] = await self._one(slot, kind, data)

        await asyncio.gather(*(drive(slot, indices) for slot, indices in per_slot.items()))
        return outcomes  # type: ignore[return-value]

    async def _one(self, slot: int, kind: str, data: dict[str, Any]) -> Outcome:
        reconnected = slot in self._broken
        if reconnected:  # an earlier reconnection failed: try again first
            try:
                await self._reconnect(lambda: self._replace(slot), "an earlier drop")
            except EnvbridgeClientError as failure:
                return failure, True
            self._broken.discard(slot)
        if kind != "reset" and slot in self._lost:
            return self._session_lost(slot), True
        try:
            return await _call(self._clients[slot], kind, data), reconnected
        except ServerError as exc:
            return exc, reconnected
        except EnvbridgeClientError as exc:  # dropped, timed out or desynchronised
            self._lost.add(slot)
            self._broken.add(slot)
            try:
                await self._reconnect(lambda: self._replace(slot), exc)
            except EnvbridgeClientError as failure:
                return failure, True
            self._broken.discard(slot)
        if kind != "reset":
            return self._session_lost(slot), True
        try:
            return await _call(self._clients[slot], kind, data), True
        except EnvbridgeClientError as exc:
            return exc, True

    async def _replace(self, slot: int) -> None:
        client = self._client()
        await client.connect()
        old, self._clients[slot] = self._clients[slot], client
        await _close_quietly(old)

    async def close(self) -> None:
        clients, self._clients = self._clients, []
        await asyncio.gather(*(_close_quietly(client) for client in clients))


class BatchedLane(Lane):
    """All sessions on one connection; each call's ops go in ``batch`` frames of at most
    ``max_concurrency`` ops (all in one frame when None)."""

    batched = True

    def __init__(self, *args: Any, max_concurrency: int | None = None):
        super().__init__(*args)
        self._connection: AsyncClient | None = None
        self._ids: list[str] = []
        self._frame_size = max_concurrency
        self._lock = asyncio.Lock()
        self._broken = False
        """True while the connection is down and could not be re-established."""

    async def open(self) -> None:
        client = self._client()
        try:
            self._ids = await client.batch_open(self.slots)
        except BaseException:
            await _close_quietly(client)
            raise
        self._connection = client

    async def _run(self, ops: list[Op]) -> list[Outcome]:
        outcomes: list[Outcome | None] = [None] * len(ops)
        size = self._frame_size or max(len(ops), 1)
        async with self._lock:
            if self._broken:  # an earlier reconnection failed: try again first
                try:
                    await self._reconnect(self._reopen, "an earlier drop")
                except EnvbridgeClientError as failure:
                    return [(failure, True)] * len(ops)
            for start in range(0, len(ops), size):
                indices = list(range(start, min(start + size, len(ops))))
                if self._broken:  # a frame before this one could not reconnect
                    failure = ConnectionFailed(f"{self.stats.name} ({self.source.url}) is down")
                    for index in indices:
                        outcomes[index] = (failure, True)
                else:
                    await self._frame(ops, indices, outcomes)
        return outcomes  # type: ignore[return-value]

    async def _frame(
        self,
        ops: list[Op],
        indices: list[int],
        outcomes: list[Outcome | None],
        may_recover: bool = True,
    ) -> None:
        sending = []
        for index in indices:
            slot, kind, _ = ops[index]
            if kind != "reset" and slot in self._lost:
                outcomes[index] = (self._session_lost(slot), True)
            else:
                sending.append(index)
        if not sending:
            return
        assert self._connection is not None
        frame = [(self._ids[ops[i][0]], ops[i][1], ops[i][2]) for i in sending]
        try:
            replies = await self._connection.batch(frame)
        except ServerError as exc:  # the whole frame was refused
            for index in sending:
                outcomes[index] = (exc, False)
            return
        except EnvbridgeClientError as exc:
            if may_recover:
                await self._recover(ops, sending, outcomes, exc)
            else:
                for index in sending:
                    outcomes[index] = (exc, True)
            return
        for index, reply in zip(sending, replies, strict=True):
            outcomes[index] = (reply, False)

    async def _recover(
        self, ops: list[Op], sending: list[int], outcomes: list[Outcome | None], reason: Exception
    ) -> None:
        """Reconnect, retry the frame's resets once, report its other ops as lost."""
        self._lost = set(range(self.slots))
        self._broken = True
        try:
            await self._reconnect(self._reopen, reason)
        except EnvbridgeClientError as failure:
            for index in sending:
                outcomes[index] = (failure, True)
            return
        resets = [index for index in sending if ops[index][1] == "reset"]
        for index in sending:
            if ops[index][1] != "reset":
                outcomes[index] = (self._session_lost(ops[index][0]), True)
        if not resets:
            return
        await self._frame(ops, resets, outcomes, may_recover=False)
        for index in resets:
            value, _ = outcomes[index]  # type: ignore[misc]
            outcomes[index] = (value, True)

    async def _reopen(self) -> None:
        client = self._client()
        try:
            ids = await client.batch_open(self.slots)
        except BaseException:
            await _close_quietly(client)
            raise
        old, self._connection, self._ids = self._connection, client, ids
        self._broken = False
        if old is not None:
            await _close_quietly(old)

    async def close(self) -> None:
        connection, self._connection = self._connection, None
        if connection is not None:
            with contextlib.suppress(EnvbridgeClientError, OSError):
                await connection.batch_close(self._ids)
            await _close_quietly(connection)


async def batch_capacity(url: str, timeout_s: float = 10.0) -> int | None:
    """Sessions one connection may batch, if the server advertises the extension."""
    try:
        async with httpx.AsyncClient(timeout=timeout_s, trust_env=False) as http:
            response = await http.get(f"{url}/metadata")
        extension = response.json().get("extensions", {}).get("batch", {})
    except (httpx.HTTPError, ValueError, AttributeError):
        return None
    if not isinstance(extension, dict) or extension.get("version") != 1:
        return None
    limit = extension.get("max_sessions_per_connection")
    return limit if isinstance(limit, int) and limit > 0 else 1


def check_batch_fits(name: str, sessions: int, capacity: int) -> None:
    """Refuse a batched server asked for more sessions than one connection may hold."""
    if sessions > capacity:
        raise PoolError(
            f"{name} batches at most {capacity} sessions per connection; add the server "
            f"again for the other {sessions - capacity}, or pass batch=False"
        )
