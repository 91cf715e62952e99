"""``/ws`` served straight from uvicorn's WebSocket protocol, without the ASGI layer.

uvicorn hands every WebSocket message to the app through an ASGI queue: a dict per
message, a future and a task switch each way, and a pause/resume of reading (two
``epoll_ctl`` calls) around every frame. For ``/ws`` that layer cost more server CPU
than envbridge's whole frame dispatch. :class:`DirectWebSocketProtocol` is uvicorn's own
sans-I/O WebSocket protocol with one change: a handshake for ``/ws`` of an envbridge
app is answered here, and each frame goes to the session core directly
(:func:`~envbridge.spec.server.ws_routes.reply_to`) from one task per connection, as
in the ASGI path (the environment's code always runs inside that task), fed from a
deque: reading is paused only when 64 frames wait behind a busy session. Every other
WebSocket path, and any app that is not envbridge's, takes uvicorn's ASGI path
unchanged.

Reads use a buffer of the protocol's own (``asyncio.BufferedProtocol``): no 256 KiB
allocation (``mmap``/``munmap``) per frame.
"""

from __future__ import annotations

import asyncio
import logging
from collections import deque
from typing import Any
from urllib.parse import parse_qs

from envbridge.spec.errors import ProtocolError
from envbridge.spec.frames import FrameReply, error_frame
from envbridge.spec.read_buffer import read_buffer
from envbridge.spec.server.context import ServerContext
from envbridge.spec.server.ws_routes import (
    NORMAL_CLOSURE,
    bind_session,
    frame_extensions,
    release_connection,
    reply_to,
)
from uvicorn.protocols.websockets.websockets_sansio_impl import WebSocketsSansIOProtocol
from websockets.http11 import Request as HandshakeRequest
from websockets.protocol import State

log = logging.getLogger("envbridge.server")

DIRECT_PATH = "/ws"
PAUSE_READING_AT = 64
"""Frames queued behind a busy session before the socket stops being read."""
INTERNAL_ERROR = 1011


def _direct_context(app: Any) -> ServerContext | None:
    """The envbridge server context behind ``app``, or None for any other ASGI app."""
    ctx = getattr(app, "ctx", None)
    return ctx if isinstance(ctx, ServerContext) else None


class DirectWebSocketProtocol(WebSocketsSansIOProtocol, asyncio.BufferedProtocol):
    """uvicorn's WebSocket protocol, with envbridge's ``/ws`` served without ASGI."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._ctx = _direct_context(self.config.app)
        self._direct = False
        self._pending: deque[str | bytes] = deque()
        self._waiter: asyncio.Future[None] | None = None

    # ------------------------------------------------------------------ reading

    def get_buffer(self, sizehint: int) -> memoryview:
        return read_buffer()

    def buffer_updated(self, nbytes: int) -> None:
        self.data_received(bytes(read_buffer()[:nbytes]))

    def handle_connect(self, event: HandshakeRequest) -> None:
        path, _, query = event.path.partition("?")
        if self._ctx is None or (path.rstrip("/") or "/") != DIRECT_PATH:
            super().handle_connect(event)
            return
        self.request = event
        self.response = self.conn.accept(event)
        self.handshake_initiated = True
        self.handshake_complete = True
        if self.response.status_code != 101:  # a malformed handshake: uvicorn's answer
            self.close_sent = True
            self.conn.send_response(self.response)
            self.transport.write(b"".join(self.conn.data_to_send()))
            self.transport.close()
            return
        del self.response.headers["Date"]
        self.response.headers.update(
            (k.decode("latin-1").lower(), v.decode("latin-1")) for k, v in self.default_headers
        )
        self._direct = True
        if self.client:
            self.logger.info('%s:%d - "WebSocket %s" [accepted]', *self.client, event.path)
        self.conn.send_response(self.response)
        self.transport.write(b"".join(self.conn.data_to_send()))
        self.start_keepalive()
        values = parse_qs(query).get("session_id")
        task = self.loop.create_task(self._serve(values[-1] if values else None))
        self.tasks.add(task)
        task.add_done_callback(self.tasks.discard)

    def send_receive_event_to_app(self) -> None:
        if not self._direct:
            super().send_receive_event_to_app()
            return
        data = self.frames[0] if len(self.frames) == 1 else b"".join(self.frames)
        self.frames = []
        if self.close_sent:
            return
        if self.curr_msg_data_type == "text":
            try:
                payload: str | bytes = data.decode()
            except UnicodeDecodeError:
                self.conn.send_close(1007)
                self.handle_parser_exception()
                return
        else:
            payload = bytes(data)
        self._pending.append(payload)
        if len(self._pending) >= PAUSE_READING_AT and not self.read_paused:
            self.read_paused = True
            self.transport.pause_reading()
        self._wake()

    def _wake(self) -> None:
        waiter = self._waiter
        if waiter is not None and not waiter.done():
            waiter.set_result(None)

    def connection_lost(self, exc: Exception | None) -> None:
        super().connection_lost(exc)
        if self._direct:
            self._wake()

    # ------------------------------------------------------------------ the session

    async def _serve(self, session_id: str | None) -> None:
        """Bind the session, answer its frames in order, let go of it at the end."""
        ctx = self._ctx
        assert ctx is not None
        try:
            session, owned = await bind_session(session_id, ctx)
        except ProtocolError as exc:
            self._answer(FrameReply(error_frame(exc).text, close=True))
            return
        batch, extensions = frame_extensions(ctx)
        try:
            while (payload := await self._next_frame()) is not None:
                if not self._answer(await reply_to(session, payload, ctx, extensions)):
                    break
                if not self.writable.is_set():  # the client is not reading its replies
                    await self.writable.wait()
        except Exception:
            log.exception("unhandled error on the /ws connection of session %s", session.id)
            self._close(INTERNAL_ERROR, "internal error")
        finally:
            await release_connection(ctx, session, owned, batch)

    async def _next_frame(self) -> str | bytes | None:
        """The next frame, or None once the connection is closing or gone."""
        while not self._pending:
            if self._over():
                return None
            self._waiter = waiter = self.loop.create_future()
            idle = self._watch_idle(waiter)
            try:
                await waiter
            finally:
                self._waiter = None
                if idle is not None:
                    idle.cancel()
        if self._over():
            return None
        payload = self._pending.popleft()
        if self.read_paused and len(self._pending) < PAUSE_READING_AT // 2:
            self.read_paused = False
            self.transport.resume_reading()
        return payload

    def _watch_idle(self, waiter: asyncio.Future[None]) -> asyncio.TimerHandle | None:
        """After ``ws_idle_timeout_s`` of client silence, close (1000, with the reason)."""
        timeout = self._ctx.ws_idle_timeout_s if self._ctx is not None else None
        if timeout is None:
            return None

        def idle() -> None:
            reason = f"idle for {timeout:g} s (the server's --ws-idle-timeout)"
            log.info("closing a WebSocket: %s", reason)
            self._close(NORMAL_CLOSURE, reason)
            if not waiter.done():
                waiter.set_result(None)

        return self.loop.call_later(timeout, idle)

    def _over(self) -> bool:
        """True once the connection closes or is closing (either side started it)."""
        return self.disconnected or self.close_sent or self.conn.state is not State.OPEN

    def _answer(self, reply: FrameReply) -> bool:
        """Send a reply; False when the connection is over (closed, or a closing reply)."""
        if self._over():
            return False
        if reply.text is not None:
            self.conn.send_text(reply.text.encode())
            self.transport.write(b"".join(self.conn.data_to_send()))
        if reply.close:
            self._close(NORMAL_CLOSURE, "")
            return False
        return True

    def _close(self, code: int, reason: str) -> None:
        """Start the closing handshake (the socket closes if the peer stays silent)."""
        if self._over() or self.transport.is_closing():
            return
        self._pending.clear()
        self.conn.send_close(code, reason)
        self.transport.write(b"".join(self.conn.data_to_send()))
        self.close_sent = True
        if self.read_paused:
            self.read_paused = False
            self.transport.resume_reading()
        self.close_timer = self.loop.call_later(self.close_timeout, self.transport.close)
