"""An ASGI middleware that applies one :class:`Defect` to a healthy server's traffic.

A defect sees whole HTTP bodies and single WebSocket frames and may rewrite them; every
hook defaults to passing traffic through unchanged, so a defect overrides only the one
behaviour it breaks.
"""

from __future__ import annotations

import itertools
import json
from collections.abc import Awaitable, Callable
from typing import Any

Scope = dict[str, Any]
Message = dict[str, Any]
Receive = Callable[[], Awaitable[Message]]
Send = Callable[[Message], Awaitable[None]]
ASGIApp = Callable[[Scope, Receive, Send], Awaitable[None]]


class Connection:
    """One WebSocket connection as a defect sees it."""

    def __init__(self, number: int, path: str):
        self.number = number
        self.path = path
        self.last_in: Any = None
        """The last frame the client sent, decoded (None when not JSON)."""
        self.state: dict[str, Any] = {}
        """Scratch space for the defect."""


class Defect:
    """No defect at all; subclasses override one hook."""

    def http_request(self, path: str, body: bytes) -> bytes:
        """Rewrite a request body before the server sees it."""
        return body

    def http_response(
        self, path: str, request: bytes, status: int, body: bytes
    ) -> tuple[int, bytes]:
        """Rewrite a response (status and body)."""
        return status, body

    def ws_refuse(self, conn: Connection, active: int) -> str | None:
        """Refuse a new connection by returning the frame to send before closing it."""
        return None

    def ws_in(self, conn: Connection, text: str) -> str:
        """Rewrite a frame from the client."""
        return text

    def ws_out(self, conn: Connection, text: str) -> str | int | tuple[str, int]:
        """Rewrite a frame to the client; an int closes the connection with that code, a
        (text, code) pair sends the text and then closes."""
        return text

    def ws_close(self, conn: Connection, code: int) -> int:
        """Rewrite the close code the server sends."""
        return code


def loads(data: str | bytes) -> Any:
    """JSON or None."""
    try:
        return json.loads(data)
    except (ValueError, RecursionError):
        return None


def dumps(value: Any) -> str:
    """Compact JSON."""
    return json.dumps(value, separators=(",", ":"))


class DefectMiddleware:
    """Wrap ``app`` so that ``defect`` shapes what clients see."""

    def __init__(self, app: ASGIApp, defect: Defect):
        self.app = app
        self.defect = defect
        self.active: dict[int, Connection] = {}
        self._numbers = itertools.count(1)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http":
            await self._http(scope, receive, send)
        elif scope["type"] == "websocket":
            await self._websocket(scope, receive, send)
        else:
            await self.app(scope, receive, send)

    async def _http(self, scope: Scope, receive: Receive, send: Send) -> None:
        path = scope["path"]
        chunks = []
        while True:
            message = await receive()
            if message["type"] != "http.request":
                break
            chunks.append(message.get("body", b""))
            if not message.get("more_body"):
                break
        request = self.defect.http_request(path, b"".join(chunks))
        replayed = False

        async def replay() -> Message:
            nonlocal replayed
            if not replayed:
                replayed = True
                return {"type": "http.request", "body": request, "more_body": False}
            return await receive()

        start: Message = {}
        parts: list[bytes] = []

        async def capture(message: Message) -> None:
            if message["type"] == "http.response.start":
                start.update(message)
                return
            parts.append(message.get("body", b""))
            if message.get("more_body"):
                return
            status, body = self.defect.http_response(
                path, request, start["status"], b"".join(parts)
            )
            headers = [
                (k, v) for k, v in start.get("headers", []) if k.lower() != b"content-length"
            ]
            headers.append((b"content-length", str(len(body)).encode()))
            await send({"type": "http.response.start", "status": status, "headers": headers})
            await send({"type": "http.response.body", "body": body})

        await self.app(scope, replay, capture)

    async def _websocket(self, scope: Scope, receive: Receive, send: Send) -> None:
        conn = Connection(next(self._numbers), scope["path"])
        refusal = self.defect.ws_refuse(conn, len(self.active))
        if refusal is not None:
            await receive()  # websocket.connect
            await send({"type": "websocket.accept"})
            await send({"type": "websocket.send", "text": refusal})
            await send({"type": "websocket.close", "code": 1000})
            return
        self.active[conn.number] = conn

        async def incoming() -> Message:
            message = await receive()
            if message["type"] == "websocket.receive" and message.get("text") is not None:
                conn.last_in = loads(message["text"])
                message = {**message, "text": self.defect.ws_in(conn, message["text"])}
            return message

        async def outgoing(message: Message) -> None:
            if message["type"] == "websocket.send" and message.get("text") is not None:
                rewritten = self.defect.ws_out(conn, message["text"])
                if isinstance(rewritten, tuple):  # (text, close code): send, then close
                    await send({**message, "text": rewritten[0]})
                    message = {"type": "websocket.close", "code": rewritten[1]}
                elif isinstance(rewritten, int):
                    message = {"type": "websocket.close", "code": rewritten}
                else:
                    message = {**message, "text": rewritten}
            elif message["type"] == "websocket.close":
                message = {**message, "code": self.defect.ws_close(conn, message.get("code", 1000))}
            await send(message)

        try:
            await self.app(scope, incoming, outgoing)
        finally:
            self.active.pop(conn.number, None)
