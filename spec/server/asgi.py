"""Tiny raw-ASGI helpers: read a request, send JSON/HTML, parse headers and queries.

envbridge serves ASGI directly (no framework) to keep the per-step path short.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Iterable, MutableMapping
from typing import Any
from urllib.parse import parse_qs

from envbridge.spec import wire

Scope = MutableMapping[str, Any]
Message = MutableMapping[str, Any]
Receive = Callable[[], Awaitable[Message]]
Send = Callable[[Message], Awaitable[None]]


class BodyTooLarge(Exception):
    """The request body exceeded the server's limit."""


class Request:
    """The parts of an HTTP request the routes need."""

    __slots__ = ("headers", "method", "path", "query", "scope")

    def __init__(self, scope: Scope):
        self.scope = scope
        self.method: str = scope.get("method", "GET")
        self.path: str = scope["path"]
        self.headers = {
            k.decode("latin-1").lower(): v.decode("latin-1") for k, v in scope.get("headers", ())
        }
        self.query = {
            k: v[-1] for k, v in parse_qs(scope.get("query_string", b"").decode()).items()
        }

    def is_json(self) -> bool:
        """True when the content type is JSON or absent."""
        content_type = self.headers.get("content-type", "").split(";")[0].strip().lower()
        return content_type in ("", "application/json") or content_type.endswith("+json")


async def read_body(receive: Receive, limit: int) -> bytes:
    """The whole request body; raises :class:`BodyTooLarge` past ``limit`` bytes."""
    chunks: list[bytes] = []
    size = 0
    while True:
        message = await receive()
        if message["type"] == "http.disconnect":
            break
        chunk = message.get("body", b"")
        size += len(chunk)
        if size > limit:
            raise BodyTooLarge(f"request body exceeds {limit} bytes")
        chunks.append(chunk)
        if not message.get("more_body", False):
            break
    return b"".join(chunks)


async def send_bytes(
    send: Send,
    status: int,
    body: bytes,
    content_type: str,
    headers: Iterable[tuple[str, str]] = (),
) -> None:
    """Send a complete HTTP response."""
    raw_headers = [
        (b"content-type", content_type.encode()),
        (b"content-length", str(len(body)).encode()),
    ]
    raw_headers.extend((k.lower().encode(), v.encode()) for k, v in headers)
    await send({"type": "http.response.start", "status": status, "headers": raw_headers})
    await send({"type": "http.response.body", "body": body})


async def send_json(
    send: Send, status: int, payload: Any, headers: Iterable[tuple[str, str]] = ()
) -> None:
    """Send ``payload`` as compact JSON."""
    await send_bytes(
        send, status, wire.encode_lenient(payload).encode(), "application/json", headers
    )


async def send_error(send: Send, status: int, detail: Any) -> None:
    """FastAPI-shaped error body: ``{"detail": ...}``."""
    await send_json(send, status, {"detail": detail})
