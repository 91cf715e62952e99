"""Transport objects: each moves a :class:`~envbridge.spec.client.core.Request` to the
server and returns the reply's data. All decisions live in
:mod:`envbridge.spec.client.core`; these classes only do I/O and map its exceptions.

``WSTransport``/``HTTPTransport`` serve :class:`~envbridge.spec.client.SyncClient`;
``AsyncWSTransport``/``AsyncHTTPTransport`` serve
:class:`~envbridge.spec.client.AsyncClient`. Any object with the same ``connect``,
``send`` and ``close`` methods can be handed to a client as ``transport=`` (the tests
use one that calls the server's frame dispatcher in memory).
"""

from __future__ import annotations

import asyncio
import contextlib
import threading
from typing import Any, Protocol

from envbridge.spec.client import protocol as p
from envbridge.spec.client.core import (
    BATCH_KINDS,
    HttpCall,
    HttpSession,
    Request,
    Settings,
    connect_failed,
    connection_closed,
    drive,
    drive_async,
    raise_parting_error,
    reply_timeout,
)
from envbridge.spec.client.http_backends import (
    AsyncBackend,
    StdlibBackend,
    open_async,
)
from envbridge.spec.client.ws_connection import WebSocketConnection
from envbridge.spec.errors import EnvbridgeClientError
from websockets.exceptions import ConnectionClosed, InvalidHandshake, InvalidURI
from websockets.sync.client import ClientConnection as SyncConnection
from websockets.sync.client import connect as sync_connect

_CONNECT_ERRORS = (OSError, InvalidHandshake, InvalidURI, TimeoutError)


class AsyncTransport(Protocol):
    """What :class:`~envbridge.spec.client.AsyncClient` needs from a transport."""

    async def connect(self) -> None:
        """Open the connection now (otherwise ``send`` opens it)."""

    async def send(self, request: Request) -> Any:
        """Carry ``request``; return the reply's data, raising client errors."""

    async def close(self) -> None:
        """End the session and release the connection."""


class SyncTransport(Protocol):
    """What :class:`~envbridge.spec.client.SyncClient` needs from a transport."""

    def connect(self) -> None:
        """Open the connection now (otherwise ``send`` opens it)."""

    def send(self, request: Request) -> Any:
        """Carry ``request``; return the reply's data, raising client errors."""

    def close(self) -> None:
        """End the session and release the connection."""


def _ws_options(settings: Settings) -> dict[str, Any]:
    # No keepalive pings on either twin: a step that runs longer than the ping timeout
    # must not cost the session, and timeouts are the client's own (timeout_s).
    return {
        "open_timeout": settings.connect_timeout_s,
        "max_size": settings.max_message_bytes,
        "compression": None,
        "ping_interval": None,
        "proxy": None,
    }


# ------------------------------------------------------------------------------ async


class AsyncWSTransport:
    """One session held on one WebSocket (``/ws``, or ``/ws?session_id=`` to attach)."""

    def __init__(self, settings: Settings, session_id: str | None = None):
        self.settings = settings
        self.session_id = session_id
        self._ws: WebSocketConnection | None = None
        self._lock = asyncio.Lock()

    async def connect(self) -> None:
        """Open the WebSocket now."""
        await self._websocket()

    async def _websocket(self) -> WebSocketConnection:
        if self._ws is None:
            url = self.settings.ws_url(self.session_id)
            try:
                self._ws = await WebSocketConnection.open(
                    url,
                    open_timeout=self.settings.connect_timeout_s,
                    max_size=self.settings.max_message_bytes,
                )
            except _CONNECT_ERRORS as exc:
                raise connect_failed(url, exc) from exc
        return self._ws

    async def send(self, request: Request) -> Any:
        """Send the request's frame and parse the one reply."""
        async with self._lock:
            ws = await self._websocket()
            try:
                await ws.send(request.frame())
                reply = await ws.recv(self.settings.timeout_s)
            except TimeoutError:
                # A late reply would pair with the next request: drop this connection.
                self._ws = None
                await ws.close()
                raise reply_timeout(self.settings.timeout_s) from None
            except ConnectionClosed as exc:
                self._ws = None
                last = None
                with contextlib.suppress(ConnectionClosed, TimeoutError):
                    last = await ws.recv(0.1)
                raise_parting_error(last)
                raise connection_closed(exc) from exc
        return p.parse_reply(reply, request.expect)

    async def close(self) -> None:
        """``close`` frame, then disconnect."""
        if self._ws is not None:
            ws, self._ws = self._ws, None
            with contextlib.suppress(ConnectionClosed):
                await ws.send(p.CLOSE_FRAME)
            await ws.close()


class AsyncHTTPTransport:
    """``/reset`` ``/step`` ``/state`` ``/mcp`` with a named session (see HttpSession).

    Batch frames are a ``/ws`` extension: they go over a WebSocket opened for them.
    """

    def __init__(self, settings: Settings, session: HttpSession):
        self.settings = settings
        self.session = session
        self._http: AsyncBackend | None = None
        self._ws: AsyncWSTransport | None = None

    async def connect(self) -> None:
        """Nothing to open ahead: HTTP connects per request."""

    async def send(self, request: Request) -> Any:
        """Run the request's HTTP calls; return the reply data."""
        if request.kind in BATCH_KINDS:
            if self._ws is None:
                self._ws = AsyncWSTransport(self.settings)
            return await self._ws.send(request)
        return await drive_async(self.session.plan(request), self._perform)

    async def _perform(self, call: HttpCall) -> Any:
        if self._http is None:
            self._http = open_async(self.settings)  # aiohttp when installed, else httpx
        return await self._http.perform(call)

    async def close(self) -> None:
        """Release a session this client created; close the HTTP client."""
        if self._ws is not None:
            await self._ws.close()
        if self._http is not None:
            with contextlib.suppress(EnvbridgeClientError):
                await drive_async(self.session.release(), self._perform)
            http, self._http = self._http, None
            await http.aclose()


# ------------------------------------------------------------------------------- sync


class WSTransport:
    """The blocking twin of :class:`AsyncWSTransport` (``websockets.sync``; no thread hop)."""

    def __init__(self, settings: Settings, session_id: str | None = None):
        self.settings = settings
        self.session_id = session_id
        self._ws: SyncConnection | None = None
        self._lock = threading.Lock()

    def connect(self) -> None:
        """Open the WebSocket now."""
        self._websocket()

    def _websocket(self) -> SyncConnection:
        if self._ws is None:
            url = self.settings.ws_url(self.session_id)
            try:
                self._ws = sync_connect(url, **_ws_options(self.settings))
            except _CONNECT_ERRORS as exc:
                raise connect_failed(url, exc) from exc
        return self._ws

    def send(self, request: Request) -> Any:
        """Send the request's frame and parse the one reply."""
        with self._lock:
            ws = self._websocket()
            try:
                ws.send(request.frame())
                reply = ws.recv(timeout=self.settings.timeout_s)
            except TimeoutError:
                self._ws = None
                ws.close()
                raise reply_timeout(self.settings.timeout_s) from None
            except ConnectionClosed as exc:
                self._ws = None
                last = None
                with contextlib.suppress(ConnectionClosed, TimeoutError):
                    last = ws.recv(timeout=0.1)
                raise_parting_error(last)
                raise connection_closed(exc) from exc
        return p.parse_reply(reply, request.expect)

    def close(self) -> None:
        """``close`` frame, then disconnect."""
        if self._ws is not None:
            ws, self._ws = self._ws, None
            with contextlib.suppress(ConnectionClosed):
                ws.send(p.CLOSE_FRAME)
            ws.close()


class HTTPTransport:
    """The blocking twin of :class:`AsyncHTTPTransport`."""

    def __init__(self, settings: Settings, session: HttpSession):
        self.settings = settings
        self.session = session
        self._http: StdlibBackend | None = None
        self._ws: WSTransport | None = None

    def connect(self) -> None:
        """Nothing to open ahead: HTTP connects per request."""

    def send(self, request: Request) -> Any:
        """Run the request's HTTP calls; return the reply data."""
        if request.kind in BATCH_KINDS:
            if self._ws is None:
                self._ws = WSTransport(self.settings)
            return self._ws.send(request)
        return drive(self.session.plan(request), self._perform)

    def _perform(self, call: HttpCall) -> Any:
        if self._http is None:
            self._http = StdlibBackend(self.settings)  # http.client: no httpx on this path
        return self._http.perform(call)

    def close(self) -> None:
        """Release a session this client created; close the HTTP client."""
        if self._ws is not None:
            self._ws.close()
        if self._http is not None:
            with contextlib.suppress(EnvbridgeClientError):
                drive(self.session.release(), self._perform)
            http, self._http = self._http, None
            http.close()
