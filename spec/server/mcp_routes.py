"""HTTP ``/mcp``: OpenEnv's JSON-RPC dialect and MCP streamable HTTP on one route.

Without an ``Mcp-Session-Id`` header a request is OpenEnv JSON-RPC (no handshake; a
temporary env, or ``params.session_id`` from ``openenv/session/create``). An
``initialize`` request opens a standard MCP session: the reply carries its id in the
``Mcp-Session-Id`` header, later requests send it back, ``DELETE /mcp`` ends it.
Responses are ``application/json`` (the streamable HTTP transport allows it); there is
no server-initiated SSE stream, so ``GET /mcp`` answers 405.
"""

from __future__ import annotations

from envbridge.spec.errors import HttpErrorCode, JsonRpcErrorCode
from envbridge.spec.mcp import Dialect, RpcError, decode_request, error_response, is_initialize
from envbridge.spec.server.asgi import (
    BodyTooLarge,
    Receive,
    Request,
    Send,
    read_body,
    send_bytes,
    send_error,
    send_json,
)
from envbridge.spec.server.context import ServerContext
from envbridge.spec.session import ProtocolError

SESSION_HEADER = "mcp-session-id"


async def handle_mcp_post(
    request: Request, receive: Receive, send: Send, ctx: ServerContext
) -> None:
    """POST /mcp: always HTTP 200 with a JSON-RPC body (202 for notifications)."""
    try:
        body = await read_body(receive, ctx.max_message_bytes)
    except BodyTooLarge as exc:
        await send_json(send, 200, error_response(None, JsonRpcErrorCode.INVALID_REQUEST, str(exc)))
        return
    try:
        rpc = decode_request(body, "POST")
    except RpcError as exc:
        await send_json(send, 200, error_response(None, exc.code, exc.message))
        return

    headers: list[tuple[str, str]] = []
    session = None
    dialect: Dialect = "openenv"
    session_id = request.headers.get(SESSION_HEADER)
    if session_id is not None:
        session = ctx.registry.get(session_id)
        if session is None:
            await send_error(
                send,
                404,
                {
                    "code": HttpErrorCode.SESSION_NOT_FOUND,
                    "message": f"unknown or expired MCP session {session_id!r}: send initialize "
                    "again",
                },
            )
            return
        dialect = "mcp"
    elif is_initialize(rpc):
        try:
            session = await ctx.registry.create()
        except ProtocolError as exc:
            await send_json(
                send,
                200,
                error_response(
                    rpc.get("id"), JsonRpcErrorCode.SERVER_ERROR, exc.message, exc.extras or None
                ),
            )
            return
        headers.append((SESSION_HEADER, session.id))
        dialect = "mcp"

    reply = await ctx.mcp(session, rpc, dialect)
    if reply is None:
        await send_bytes(send, 202, b"", "application/json", headers)
        return
    await send_json(send, 200, reply, headers)


async def handle_mcp_delete(
    request: Request, receive: Receive, send: Send, ctx: ServerContext
) -> None:
    """DELETE /mcp: end the standard MCP session named by the header."""
    session_id = request.headers.get(SESSION_HEADER)
    if session_id is None:
        await send_error(
            send,
            400,
            {
                "code": HttpErrorCode.MISSING_SESSION,
                "message": "send the Mcp-Session-Id header to end a session",
            },
        )
        return
    if not await ctx.registry.close(session_id):
        await send_error(
            send,
            404,
            {
                "code": HttpErrorCode.SESSION_NOT_FOUND,
                "message": f"unknown MCP session {session_id!r}",
            },
        )
        return
    await send_bytes(send, 200, b"", "application/json")
