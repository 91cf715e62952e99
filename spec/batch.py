"""Batched stepping: an optional, negotiated extension of ``/ws`` (envbridge only).

One connection may hold extra sessions and drive many of them with one frame:

* ``batch_open`` ``{"count": K}`` → ``{"sessions": [id, ...]}``: open K sessions;
* ``batch`` ``{"ops": [{"session": id, "type": "reset"|"step"|"state", "data": {...}}]}``
  → ``{"results": [<the reply frame each op alone would get>, ...]}``;
* ``batch_close`` ``{"sessions": [id, ...]}`` → ``{"closed": [id, ...]}``.

Every frame is ``{"type": T, "data": {...}}`` and its reply ``{"type": T, "data": {...}}``.
Ops on different sessions run concurrently; ops on one session run in the order given;
results come back in op order. A failing op yields an ``error`` result and never fails
its neighbours. Servers advertise the extension in ``/metadata`` (``extensions.batch``);
clients that never send these frames (the official OpenEnv client) see no difference.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from typing import Any

from envbridge.spec.errors import ProtocolError, WSErrorCode
from envbridge.spec.session import Session

BATCH_VERSION = 1
MAX_BATCH_SESSIONS = 1024
"""Sessions one connection may open for batching (the server's capacity applies too)."""

Create = Callable[[], Awaitable[Session]]
Close = Callable[[str], Awaitable[bool]]


def _invalid(message: str) -> ProtocolError:
    return ProtocolError(WSErrorCode.VALIDATION_ERROR, message, errors=[])


class BatchSessions:
    """The extra sessions one connection holds, and the three batch operations."""

    def __init__(self, create: Create, close: Close, limit: int = MAX_BATCH_SESSIONS):
        self._create = create
        self._close = close
        self._limit = limit
        self.sessions: dict[str, Session] = {}

    async def open(self, data: dict[str, Any]) -> dict[str, Any]:
        """Open ``count`` sessions; all or none (capacity errors roll back)."""
        count = data.get("count")
        if not isinstance(count, int) or isinstance(count, bool) or count < 1:
            raise _invalid("batch_open needs data.count, a positive integer")
        if len(self.sessions) + count > self._limit:
            raise _invalid(f"a connection may hold at most {self._limit} batch sessions")
        opened: list[Session] = []
        try:
            for _ in range(count):
                session = await self._create()
                session.attach()
                opened.append(session)
        except ProtocolError:
            for session in opened:
                await session.detach()
                await self._close(session.id)
            raise
        self.sessions.update((s.id, s) for s in opened)
        return {"sessions": [s.id for s in opened]}

    async def run(self, data: dict[str, Any]) -> dict[str, Any]:
        """Run every op; results in op order."""
        ops = data.get("ops")
        if not isinstance(ops, list):
            raise _invalid("batch needs data.ops, a list of {session, type, data}")
        results: list[Any] = [None] * len(ops)
        per_session: dict[str, list[tuple[int, str, Any]]] = {}
        for index, op in enumerate(ops):
            problem = self._check(op)
            if problem is not None:
                results[index] = _error(problem)
            else:
                per_session.setdefault(op["session"], []).append(
                    (index, op["type"], op.get("data", {}))
                )
        await asyncio.gather(
            *(
                self._run_session(self.sessions[sid], queue, results)
                for sid, queue in per_session.items()
            )
        )
        return {"results": results}

    def _check(self, op: Any) -> ProtocolError | None:
        if not isinstance(op, dict):
            return _invalid("each op must be an object {session, type, data}")
        if op.get("session") not in self.sessions:
            return ProtocolError(
                WSErrorCode.SESSION_ERROR,
                f"unknown batch session {op.get('session')!r}; batch_open first",
            )
        if op.get("type") not in ("reset", "step", "state"):
            return ProtocolError(
                WSErrorCode.UNKNOWN_TYPE,
                f"batch op type must be reset, step or state, not {op.get('type')!r}",
            )
        if not isinstance(op.get("data", {}), dict):
            return _invalid("op data must be an object")
        return None

    @staticmethod
    async def _run_session(
        session: Session, queue: list[tuple[int, str, Any]], results: list[Any]
    ) -> None:
        for index, kind, data in queue:
            try:
                if kind == "step":
                    results[index] = {"type": "observation", "data": await session.step(data)}
                elif kind == "reset":
                    results[index] = {"type": "observation", "data": await session.reset(data)}
                else:
                    results[index] = {"type": "state", "data": await session.state()}
            except ProtocolError as exc:
                results[index] = _error(exc)

    async def close(self, data: dict[str, Any]) -> dict[str, Any]:
        """Close the named batch sessions (unknown ids are ignored)."""
        ids = data.get("sessions")
        if not isinstance(ids, list):
            raise _invalid("batch_close needs data.sessions, a list of ids")
        closed = []
        for session_id in ids:
            session = self.sessions.pop(session_id, None) if isinstance(session_id, str) else None
            if session is not None:
                await session.detach()
                await self._close(session_id)
                closed.append(session_id)
        return {"closed": closed}

    async def close_all(self) -> None:
        """Close everything (the connection ended)."""
        await self.close({"sessions": list(self.sessions)})


def _error(error: ProtocolError) -> dict[str, Any]:
    return {"type": "error", "data": error.payload()}
