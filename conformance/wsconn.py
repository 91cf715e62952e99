"""A raw WebSocket connection that sees exact frames (no OpenEnv client in between)."""

from __future__ import annotations

import asyncio
import contextlib
import json
import time
from typing import Any

from envbridge.conformance.model import CheckFailed
from websockets.asyncio.client import ClientConnection, connect
from websockets.exceptions import ConnectionClosed


class WsConn:
    """One connection to ``/ws`` or WS ``/mcp``: send frames, read replies, watch closes."""

    def __init__(self, connection: ClientConnection, timeout_s: float, latency: Any = None):
        self.connection = connection
        self.timeout_s = timeout_s
        self.latency = latency

    @classmethod
    async def open(cls, url: str, timeout_s: float, latency: Any = None) -> WsConn:
        """Connect to ``url`` (a ws:// URL); raises CheckFailed when the handshake fails."""
        try:
            connection = await connect(
                url, open_timeout=timeout_s, max_size=None, compression=None, proxy=None
            )
        except (OSError, TimeoutError) as exc:
            raise CheckFailed(f"WebSocket handshake to {url} failed: {exc}") from None
        except Exception as exc:  # websockets' InvalidStatus, InvalidHandshake, ...
            raise CheckFailed(f"WebSocket handshake to {url} failed: {exc}") from None
        return cls(connection, timeout_s, latency)

    async def close(self) -> None:
        """Close our end (best effort)."""
        with contextlib.suppress(TimeoutError, OSError):
            await asyncio.wait_for(self.connection.close(), self.timeout_s)

    async def send(self, message: Any) -> None:
        """Send a JSON text frame (or a raw ``str`` / ``bytes`` frame as is)."""
        payload = message if isinstance(message, str | bytes) else json.dumps(message)
        try:
            await self.connection.send(payload)
        except ConnectionClosed as exc:
            raise CheckFailed(
                f"the server closed the connection ({_close_text(exc)}) before we could send",
                sent=_shown(message),
            ) from None

    async def receive(self, sent: Any = None) -> Any:
        """The next frame, decoded; CheckFailed on timeout, close or a non-JSON frame."""
        try:
            raw = await asyncio.wait_for(self.connection.recv(), self.timeout_s)
        except TimeoutError:
            raise CheckFailed(f"no reply within {self.timeout_s:g} s", sent=_shown(sent)) from None
        except ConnectionClosed as exc:
            raise CheckFailed(
                f"the server closed the connection ({_close_text(exc)}) instead of replying",
                sent=_shown(sent),
            ) from None
        if isinstance(raw, bytes):
            raise CheckFailed(
                "the server replied with a binary frame",
                sent=_shown(sent),
                received=repr(raw[:200]),
            )
        try:
            return json.loads(raw)
        except ValueError:
            raise CheckFailed(
                "the server replied with a frame that is not JSON",
                sent=_shown(sent),
                received=raw[:500],
            ) from None

    async def next_event(self) -> tuple[str, Any]:
        """("frame", text or bytes), ("closed", close code or None), or ("timeout", None)."""
        try:
            return "frame", await asyncio.wait_for(self.connection.recv(), self.timeout_s)
        except TimeoutError:
            return "timeout", None
        except ConnectionClosed as exc:
            return "closed", exc.rcvd.code if exc.rcvd is not None else None

    async def request(self, message: Any, op: str | None = None) -> Any:
        """Send one frame and return the decoded reply (timed as ``op`` when given)."""
        started = time.perf_counter()
        await self.send(message)
        reply = await self.receive(message)
        if op and self.latency is not None:
            self.latency.record(op, time.perf_counter() - started)
        return reply

    async def expect(self, message: Any, reply_type: str, op: str | None = None) -> Any:
        """Send ``message``; the reply must be ``{"type": reply_type, "data": ...}``."""
        return self.expect_reply(message, await self.request(message, op), reply_type)

    @staticmethod
    def expect_reply(message: Any, reply: Any, reply_type: str) -> Any:
        """``reply`` (to ``message``) must be ``{"type": reply_type, "data": ...}``: its data."""
        if not isinstance(reply, dict) or reply.get("type") != reply_type:
            raise CheckFailed(
                f"expected a {reply_type!r} frame", sent=_shown(message), received=reply
            )
        if "data" not in reply:
            raise CheckFailed(
                f"the {reply_type!r} frame has no 'data'", sent=_shown(message), received=reply
            )
        return reply["data"]

    async def reset(self, **data: Any) -> dict[str, Any]:
        """reset -> the observation envelope (``data`` of the reply)."""
        return await self.expect({"type": "reset", "data": data}, "observation", "ws reset")

    async def step(self, action: Any) -> dict[str, Any]:
        """step -> the observation envelope."""
        return await self.expect({"type": "step", "data": action}, "observation", "ws step")

    async def state(self) -> dict[str, Any]:
        """state -> the state object."""
        return await self.expect({"type": "state"}, "state", "ws state")

    async def expect_error(self, message: Any) -> dict[str, Any]:
        """Send ``message``; the reply must be an error frame. Returns its ``data``."""
        return await self.expect(message, "error")

    async def closed_code(self, sent: Any = None) -> int | None:
        """Wait for the server to close; return its close code (None if it never does)."""
        try:
            extra = await asyncio.wait_for(self.connection.recv(), self.timeout_s)
        except ConnectionClosed as exc:
            return exc.rcvd.code if exc.rcvd is not None else None
        except TimeoutError:
            return None
        raise CheckFailed(
            "expected the server to close, it sent a frame",
            sent=_shown(sent),
            received=_shown(extra),
        )


def _close_text(exc: ConnectionClosed) -> str:
    if exc.rcvd is None:
        return "no close frame"
    return f"close code {exc.rcvd.code}{' ' + exc.rcvd.reason if exc.rcvd.reason else ''}"


def _shown(message: Any) -> Any:
    """A frame as recorded in a report (long ones cut short)."""
    if isinstance(message, bytes):
        return f"<binary frame, {len(message)} bytes>"
    if isinstance(message, str) and len(message) > 300:
        return message[:300] + f"... ({len(message)} chars)"
    return message
