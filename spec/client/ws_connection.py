"""A lean asyncio WebSocket connection for the async client's request/reply traffic.

The async client sends one frame and waits for one reply. ``websockets``' asyncio
connection is general (concurrent readers and writers, fragmented streams, keepalive):
per message it enters an async context manager, drains, and passes the frame through
an assembler with its own futures. :class:`WebSocketConnection` is ``websockets``'
sans-I/O client protocol on an asyncio ``BufferedProtocol``: a send is a ``write``; a
reply wakes one future. The handshake, framing, masking, ping replies and the closing
handshake are ``websockets``' own; its exceptions (``InvalidHandshake``,
``ConnectionClosed``) are what callers see, as with ``websockets.asyncio.client``.
"""

from __future__ import annotations

import asyncio
import ssl
from collections import deque

from envbridge.spec.read_buffer import read_buffer
from websockets.client import ClientProtocol
from websockets.exceptions import ConnectionClosedError
from websockets.frames import Frame, Opcode
from websockets.http11 import Response
from websockets.protocol import State
from websockets.uri import parse_uri

CLOSE_TIMEOUT_S = 10.0


class WebSocketConnection(asyncio.BufferedProtocol):
    """One client WebSocket: ``open``, ``send``, ``recv``, ``close``."""

    def __init__(self, protocol: ClientProtocol, loop: asyncio.AbstractEventLoop):
        self.protocol = protocol
        self.loop = loop
        self.transport: asyncio.Transport | None = None
        self._messages: deque[str | bytes] = deque()
        self._fragments: list[bytes | bytearray | memoryview] = []
        self._fragment_kind = Opcode.TEXT
        self._waiter: asyncio.Future[None] | None = None
        self._handshake: asyncio.Future[None] = loop.create_future()
        self._lost: asyncio.Future[None] = loop.create_future()
        self._writable: asyncio.Event | None = None

    @classmethod
    async def open(
        cls, url: str, *, open_timeout: float | None, max_size: int | None
    ) -> WebSocketConnection:
        """Connect and finish the opening handshake within ``open_timeout`` seconds."""
        uri = parse_uri(url)
        loop = asyncio.get_running_loop()
        connection = cls(ClientProtocol(uri, max_size=max_size), loop)
        context = ssl.create_default_context() if uri.secure else None
        async with asyncio.timeout(open_timeout):
            await loop.create_connection(lambda: connection, uri.host, uri.port, ssl=context)
            try:
                await connection._handshake
            except BaseException:
                connection._abort()
                raise
        return connection

    # ------------------------------------------------------------------ protocol

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        self.transport = transport  # type: ignore[assignment]
        self.protocol.send_request(self.protocol.connect())
        self._flush()

    def get_buffer(self, sizehint: int) -> memoryview:
        return read_buffer()

    def buffer_updated(self, nbytes: int) -> None:
        self.protocol.receive_data(bytes(read_buffer()[:nbytes]))
        self._received()

    def eof_received(self) -> bool | None:
        self.protocol.receive_eof()
        self._received()
        return None

    def connection_lost(self, exc: Exception | None) -> None:
        self.protocol.receive_eof()  # no-op when the protocol already saw the end
        self._received()
        if not self._handshake.done():
            self._handshake.set_exception(exc or ConnectionError("connection closed"))
        if not self._lost.done():
            self._lost.set_result(None)
        self._wake()
        if self._writable is not None:
            self._writable.set()

    def pause_writing(self) -> None:
        if self._writable is None:
            self._writable = asyncio.Event()
        self._writable.clear()

    def resume_writing(self) -> None:
        if self._writable is not None:
            self._writable.set()

    def _received(self) -> None:
        for event in self.protocol.events_received():
            if isinstance(event, Frame):
                self._frame(event)
            elif isinstance(event, Response) and not self._handshake.done():
                error = self.protocol.handshake_exc
                if error is None:
                    self._handshake.set_result(None)
                else:
                    self._handshake.set_exception(error)
        self._flush()  # pong replies, the closing handshake
        if self.protocol.state is State.CLOSED and self.transport is not None:
            self.transport.close()

    def _frame(self, frame: Frame) -> None:
        if frame.opcode in (Opcode.TEXT, Opcode.BINARY):
            self._fragment_kind = frame.opcode
            self._fragments = [frame.data]
        elif frame.opcode is Opcode.CONT:
            self._fragments.append(frame.data)
        else:
            return
        if not frame.fin:
            return
        data = b"".join(self._fragments)
        self._fragments = []
        if self._fragment_kind is Opcode.TEXT:
            try:
                self._messages.append(data.decode())
            except UnicodeDecodeError:
                self.protocol.fail(1007, "invalid UTF-8 in a text message")
                return
        else:
            self._messages.append(data)
        self._wake()

    def _wake(self) -> None:
        waiter = self._waiter
        if waiter is not None and not waiter.done():
            waiter.set_result(None)

    def _flush(self) -> None:
        transport = self.transport
        if transport is None:
            return
        for data in self.protocol.data_to_send():
            if data:
                transport.write(data)
            elif transport.can_write_eof():
                transport.write_eof()
            else:
                transport.close()

    def _abort(self) -> None:
        if self.transport is not None:
            self.transport.abort()

    # ------------------------------------------------------------------ API

    async def send(self, message: str) -> None:
        """Send one text message; ``ConnectionClosed`` once the connection is closing."""
        if self.protocol.state is not State.OPEN:
            raise await self._closed_error()
        self.protocol.send_text(message.encode())
        self._flush()
        if self._writable is not None and not self._writable.is_set():
            await self._writable.wait()

    async def recv(self, timeout: float | None = None) -> str | bytes:
        """The next message; ``TimeoutError`` after ``timeout`` seconds, then
        ``ConnectionClosed`` once every message received before the close was read."""
        while not self._messages:
            if self._lost.done() or self.protocol.state is State.CLOSED:
                raise await self._closed_error()
            self._waiter = waiter = self.loop.create_future()
            timer = None if timeout is None else self.loop.call_later(timeout, _expire, waiter)
            try:
                await waiter
            finally:
                self._waiter = None
                if timer is not None:
                    timer.cancel()
        return self._messages.popleft()

    async def close(self, code: int = 1000) -> None:
        """The closing handshake (at most ``CLOSE_TIMEOUT_S``), then the socket is closed."""
        if self.protocol.state is State.OPEN:
            self.protocol.send_close(code)
            self._flush()
        await self._wait_lost()

    async def _wait_lost(self) -> None:
        """Wait for the socket to close, at most ``CLOSE_TIMEOUT_S``; then abort it."""
        try:
            async with asyncio.timeout(CLOSE_TIMEOUT_S):
                await asyncio.shield(self._lost)
        except TimeoutError:
            self._abort()

    async def _closed_error(self) -> Exception:
        """The ``ConnectionClosed`` to raise, once the connection has finished closing."""
        if self.protocol.state is not State.CLOSED:
            await self._wait_lost()
        if self.protocol.state is not State.CLOSED:
            return ConnectionClosedError(self.protocol.close_rcvd, self.protocol.close_sent)
        return self.protocol.close_exc


def _expire(waiter: asyncio.Future[None]) -> None:
    if not waiter.done():
        waiter.set_exception(TimeoutError())
