"""The session registry: creation through the factory, capacity, lookup, idle reaping.

WS connections, HTTP-MCP sessions, standard MCP sessions and named HTTP sessions all
draw from ONE pool (as in OpenEnv), so ``max_sessions`` bounds them together.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from typing import Any

from envbridge.spec.containment import describe, must_contain
from envbridge.spec.environment import Environment
from envbridge.spec.errors import ProtocolError, WSErrorCode
from envbridge.spec.modes import Mode
from envbridge.spec.session import Phase, Session

log = logging.getLogger("envbridge.server")


def factory_name(factory: Callable[[], Any]) -> str:
    """A readable name for error messages."""
    return getattr(factory, "__qualname__", None) or type(factory).__name__


class SessionRegistry:
    """Creates, finds, reaps and closes sessions for one server."""

    def __init__(
        self,
        factory: Callable[[], Environment],
        *,
        mode: Mode,
        max_sessions: int,
        idle_timeout_s: float | None,
        server_name: str,
        server_version: str,
        call_timeout_s: float | None = None,
    ):
        if max_sessions < 1:
            raise ValueError(f"max_sessions must be at least 1, got {max_sessions}")
        if not getattr(factory, "concurrent_sessions", True):
            max_sessions = 1
        self.factory = factory
        self.mode = mode
        self.max_sessions = max_sessions
        self.idle_timeout_s = idle_timeout_s
        self.call_timeout_s = call_timeout_s
        """Longest one env call but reset may run (``--step-timeout``); None: no limit."""
        self.server_name = server_name
        self.server_version = server_version
        self.sessions: dict[str, Session] = {}
        self._reserved = 0
        self._factory_in_thread = getattr(factory, "blocking", True)

    @property
    def active(self) -> int:
        """Sessions alive or being created."""
        return len(self.sessions) + self._reserved

    async def build_env(self) -> Environment:
        """Run the factory (in a thread unless the env class says it is non-blocking)."""
        try:
            if self._factory_in_thread:
                env = await asyncio.to_thread(self.factory)
            else:
                env = self.factory()
        except BaseException as exc:
            if not isinstance(exc, Exception) and not must_contain(exc):
                raise
            log.warning("environment factory raised", exc_info=exc)
            raise ProtocolError(
                WSErrorCode.FACTORY_ERROR,
                f"could not create the environment: {describe(exc)}",
                factory_name=factory_name(self.factory),
            ) from exc
        if not isinstance(env, Environment):
            raise ProtocolError(
                WSErrorCode.FACTORY_ERROR,
                f"the factory returned {type(env).__name__}, not an envbridge.spec.Environment",
                factory_name=factory_name(self.factory),
            )
        return env

    async def create(
        self, session_id: str | None = None, reset_data: dict[str, Any] | None = None
    ) -> Session:
        """A new registered session; CAPACITY_REACHED when the pool is full.

        In production mode the session's implicit episode starts now, with ``reset_data``.
        """
        self._claim()
        try:
            session = self._session(await self.build_env(), session_id)
            self.sessions[session.id] = session
        finally:
            self._reserved -= 1
        try:
            await session.start(reset_data)
        except ProtocolError:
            await self.close(session.id)
            raise
        return session

    def _claim(self) -> None:
        """Reserve one place in the pool, or raise CAPACITY_REACHED."""
        if self.active >= self.max_sessions:
            raise ProtocolError(
                WSErrorCode.CAPACITY_REACHED,
                f"Server at capacity: {self.active}/{self.max_sessions} sessions active. "
                "Close a session or start the server with a larger --max-sessions.",
                active_sessions=self.active,
                max_sessions=self.max_sessions,
            )
        self._reserved += 1

    def _session(self, env: Environment, session_id: str | None = None) -> Session:
        session = Session(env, self.mode, session_id)
        session.call_timeout_s = self.call_timeout_s
        return session

    def get(self, session_id: str) -> Session | None:
        """The live session with this id, if any."""
        return self.sessions.get(session_id)

    async def close(self, session_id: str) -> bool:
        """Close and forget a session; False when unknown.

        A session a live WebSocket holds is forgotten now and closed when that
        connection lets go of it (so the connection never talks to a closed env).
        """
        session = self.sessions.pop(session_id, None)
        if session is None:
            return False
        await session.close()
        return True

    @asynccontextmanager
    async def temporary(self) -> AsyncIterator[Session]:
        """A throwaway session (stateless HTTP), counted against capacity while it lives
        (so N parallel stateless requests never hold more than ``max_sessions`` envs)."""
        self._claim()
        try:
            session = self._session(await self.build_env())
            try:
                await session.start()
                yield session
            finally:
                await session.close()
        finally:
            self._reserved -= 1

    async def reap_idle(self) -> int:
        """Close sessions no connection holds that were idle too long; returns the count."""
        if self.idle_timeout_s is None:
            return 0
        deadline = time.monotonic() - self.idle_timeout_s
        stale = [
            s.id
            for s in self.sessions.values()
            if s.phase is Phase.IDLE and s.last_active < deadline
        ]
        for session_id in stale:
            log.info("reaping idle session %s", session_id)
            await self.close(session_id)
        return len(stale)

    async def run_reaper(self) -> None:
        """Reap forever, every quarter of the idle timeout (at least every second)."""
        if self.idle_timeout_s is None:
            return
        interval = max(min(self.idle_timeout_s / 4, 30.0), 1.0)
        while True:
            await asyncio.sleep(interval)
            await self.reap_idle()

    async def close_all(self, timeout_s: float | None = None) -> None:
        """Close every session at once (server shutdown); give up on the ones still
        closing after ``timeout_s`` (a stuck environment must not hold the exit)."""
        closing = [asyncio.ensure_future(self.close(sid)) for sid in list(self.sessions)]
        if not closing:
            return
        _, stuck = await asyncio.wait(closing, timeout=timeout_s)
        for task in stuck:
            task.cancel()
        if stuck:
            log.warning(
                "%d session(s) did not close within %s s; left behind", len(stuck), timeout_s
            )
