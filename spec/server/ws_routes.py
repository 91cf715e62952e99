"""WebSocket routes: ``/ws`` (OpenEnv frames) and ``/mcp`` (raw JSON-RPC frames).

The connection is the session: it is created on connect (after the handshake, as in
OpenEnv, so capacity errors arrive as an error frame then close 1000) and closed on
disconnect. ``/ws?session_id=ID`` attaches to an existing session instead (0.10.x);
that session outlives the connection.
"""

from __future__ import annotations

import asyncio
import logging
from typing import Any

from envbridge.spec import wire
from envbridge.spec.batch import BatchSessions
from envbridge.spec.errors import ProtocolError, WSErrorCode
from envbridge.spec.frames import FrameReply, error_frame, handle_frame
from envbridge.spec.mcp import Dialect, RpcError, decode_request, error_response, is_initialize
from envbridge.spec.server.asgi import Receive, Request, Send
from envbridge.spec.server.context import ServerContext
from envbridge.spec.session import Session

log = logging.getLogger("envbridge.server")

NORMAL_CLOSURE = 1000


async def bind_session(session_id: str | None, ctx: ServerContext) -> tuple[Session, bool]:
    """The session a new connection talks to: (session, owned by this connection).

    ``session_id`` attaches to an existing session (which outlives the connection);
    otherwise a new one is created. Raises :class:`ProtocolError` (capacity, unknown id).
    """
    if session_id is not None:
        session = ctx.registry.get(session_id)
        if session is None:
            raise ProtocolError(WSErrorCode.SESSION_ERROR, f"unknown session_id {session_id!r}")
        session.attach()
        return session, False
    session = await ctx.registry.create()
    session.attach()
    return session, True


async def _open(
    request: Request, receive: Receive, send: Send, ctx: ServerContext
) -> tuple[Session | None, bool]:
    """Accept the handshake and bind a session: (session, owned by this connection)."""
    message = await receive()
    if message["type"] != "websocket.connect":
        return None, False
    await send({"type": "websocket.accept"})
    try:
        return await bind_session(request.query.get("session_id"), ctx)
    except ProtocolError as exc:
        await _send_reply(send, FrameReply(error_frame(exc).text, close=True))
        return None, False


async def _send_reply(send: Send, reply: FrameReply) -> None:
    if reply.text is not None:
        await send({"type": "websocket.send", "text": reply.text})
    if reply.close:
        await send({"type": "websocket.close", "code": NORMAL_CLOSURE})


async def _next_message(receive: Receive, send: Send, ctx: ServerContext) -> dict[str, Any]:
    """The next ASGI message; after ``ws_idle_timeout_s`` of client silence, close the
    connection (1000, with the reason) and report a disconnect."""
    timeout = ctx.ws_idle_timeout_s
    if timeout is None:
        return dict(await receive())
    try:
        return dict(await asyncio.wait_for(receive(), timeout))
    except TimeoutError:
        reason = f"idle for {timeout:g} s (the server's --ws-idle-timeout)"
        log.info("closing a WebSocket: %s", reason)
        await send({"type": "websocket.close", "code": NORMAL_CLOSURE, "reason": reason})
        return {"type": "websocket.disconnect", "code": NORMAL_CLOSURE}


def _frame_payload(message: dict[str, Any]) -> str | bytes | None:
    text = message.get("text")
    return text if text is not None else message.get("bytes")


def _too_large(payload: str | bytes, limit: int) -> bool:
    return len(payload) > limit  # chars <= bytes, so a str over the limit is too


async def _release(ctx: ServerContext, session: Session, owned: bool) -> None:
    await session.detach()
    if owned:
        await ctx.registry.close(session.id)


def frame_extensions(ctx: ServerContext) -> tuple[BatchSessions, dict[str, Any]]:
    """A connection's batch sessions and the ``/ws`` extension frames that drive them."""
    batch = BatchSessions(ctx.registry.create, ctx.registry.close)
    return batch, {"batch_open": batch.open, "batch": batch.run, "batch_close": batch.close}


async def reply_to(
    session: Session, payload: str | bytes, ctx: ServerContext, extensions: dict[str, Any]
) -> FrameReply:
    """The reply to one ``/ws`` frame (an error frame when it is over the size limit)."""
    limit = ctx.max_message_bytes
    if _too_large(payload, limit):
        return error_frame(
            ProtocolError(
                WSErrorCode.VALIDATION_ERROR,
                f"frame of {len(payload)} bytes exceeds the {limit}-byte limit",
                errors=[],
            )
        )
    return await handle_frame(session, payload, ctx.mcp, extensions)


async def release_connection(
    ctx: ServerContext, session: Session, owned: bool, batch: BatchSessions
) -> None:
    """A ``/ws`` connection ended: close its batch sessions, let go of its session."""
    try:
        await batch.close_all()
    finally:
        await _release(ctx, session, owned)


async def handle_ws(request: Request, receive: Receive, send: Send, ctx: ServerContext) -> None:
    """``/ws``: OpenEnv's reset/step/state/mcp/close frames."""
    session, owned = await _open(request, receive, send, ctx)
    if session is None:
        return

    batch, extensions = frame_extensions(ctx)
    try:
        while True:
            message = await _next_message(receive, send, ctx)
            if message["type"] == "websocket.disconnect":
                break
            payload = _frame_payload(message)
            if payload is None:
                continue
            reply = await reply_to(session, payload, ctx, extensions)
            await _send_reply(send, reply)
            if reply.close:
                break
    except OSError:
        log.info("client went away from session %s", session.id)
    finally:
        await release_connection(ctx, session, owned, batch)


async def handle_ws_mcp(request: Request, receive: Receive, send: Send, ctx: ServerContext) -> None:
    """WS ``/mcp``: one JSON-RPC request per frame, one response each, own session."""
    session, owned = await _open(request, receive, send, ctx)
    if session is None:
        return
    dialect: Dialect = "openenv"
    try:
        while True:
            message = await _next_message(receive, send, ctx)
            if message["type"] == "websocket.disconnect":
                break
            payload = _frame_payload(message)
            if payload is None:
                continue
            try:
                rpc = decode_request(payload, "frame")
            except RpcError as exc:
                reply: Any = error_response(None, exc.code, exc.message)
            else:
                if is_initialize(rpc):
                    dialect = "mcp"
                reply = await ctx.mcp(session, rpc, dialect)
            if reply is not None:
                await send({"type": "websocket.send", "text": wire.encode_lenient(reply)})
    except OSError:
        log.info("client went away from MCP session %s", session.id)
    finally:
        await _release(ctx, session, owned)
