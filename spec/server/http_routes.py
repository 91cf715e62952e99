"""HTTP routes: /health, /metadata, /schema, /reset, /step, /state, /openapi.json, /docs.

``/reset``, ``/step`` and ``/state`` are stateless exactly like OpenEnv (a fresh env per
request) unless the request names a session (``session_id`` in the body, or
``?session_id=`` for ``/state``): then they drive that session (an envbridge extension).
"""

from __future__ import annotations

from typing import Any

from envbridge.spec import health, wire
from envbridge.spec.errors import HttpErrorCode, WSErrorCode
from envbridge.spec.messages import ResetRequest, StepRequest
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
from envbridge.spec.server.docs_page import render_docs
from envbridge.spec.session import ProtocolError, Session, validation_errors
from pydantic import ValidationError

_STATUS_OF_CODE = {
    WSErrorCode.VALIDATION_ERROR: 422,
    WSErrorCode.EPISODE_NOT_STARTED: 409,
    WSErrorCode.EPISODE_DONE: 409,
    WSErrorCode.MODE_RESTRICTED: 404,
    WSErrorCode.CAPACITY_REACHED: 503,
    WSErrorCode.FACTORY_ERROR: 500,
    WSErrorCode.EXECUTION_ERROR: 500,
    WSErrorCode.SESSION_ERROR: 404,
}


async def send_protocol_error(send: Send, error: ProtocolError) -> None:
    """Render a session-core error as an HTTP response with a structured body."""
    status = _STATUS_OF_CODE.get(error.code, 400)
    if error.code is WSErrorCode.VALIDATION_ERROR:
        await send_error(send, status, error.extras.get("errors", []))
    else:
        await send_error(send, status, error.payload())


_FAILED = object()
"""Returned by :func:`read_json_body` after it has sent an error response."""


async def read_json_body(
    request: Request, receive: Receive, send: Send, ctx: ServerContext, *, required: bool
) -> Any:
    """Decoded JSON body, or ``_FAILED`` after an error response has been sent.

    Empty bodies decode to ``{}`` when ``required`` is False (``POST /reset`` accepts them).
    """
    if not request.is_json():
        await send_error(
            send,
            415,
            {
                "code": HttpErrorCode.UNSUPPORTED_MEDIA_TYPE,
                "message": f"send the body as JSON with Content-Type: application/json (got "
                f"{request.headers.get('content-type')!r})",
            },
        )
        return _FAILED
    try:
        body = await read_body(receive, ctx.max_message_bytes)
    except BodyTooLarge as exc:
        await send_error(send, 413, {"code": HttpErrorCode.PAYLOAD_TOO_LARGE, "message": str(exc)})
        return _FAILED
    if not body.strip():
        if required:
            await send_error(
                send,
                422,
                [{"type": "missing", "loc": ["body"], "msg": "Field required", "input": None}],
            )
            return _FAILED
        return {}
    try:
        return wire.decode(body)
    except (ValueError, UnicodeDecodeError) as exc:
        await send_error(
            send,
            422,
            [
                {
                    "type": "json_invalid",
                    "loc": ["body"],
                    "msg": f"JSON decode error: {exc}",
                    "input": None,
                }
            ],
        )
        return _FAILED


def _body_errors(exc: ValidationError) -> list[dict[str, Any]]:
    errors = validation_errors(exc)
    for error in errors:
        error["loc"] = ["body", *error["loc"]]
    return errors


async def handle_reset(request: Request, receive: Receive, send: Send, ctx: ServerContext) -> None:
    """POST /reset."""
    body = await read_json_body(request, receive, send, ctx, required=False)
    if body is _FAILED:
        return
    try:
        parsed = ResetRequest.model_validate(body)
    except ValidationError as exc:
        await send_error(send, 422, _body_errors(exc))
        return
    data = {k: v for k, v in body.items() if k != "session_id"}
    try:
        if parsed.session_id is not None:
            session = ctx.registry.get(parsed.session_id) or await ctx.registry.create(
                parsed.session_id
            )
            payload = await session.reset(data)
        else:
            async with ctx.registry.temporary() as session:
                payload = await session.reset(data)
    except ProtocolError as exc:
        await send_protocol_error(send, exc)
        return
    await send_json(send, 200, _as_http(payload))


async def handle_step(request: Request, receive: Receive, send: Send, ctx: ServerContext) -> None:
    """POST /step."""
    body = await read_json_body(request, receive, send, ctx, required=True)
    if body is _FAILED:
        return
    try:
        parsed = StepRequest.model_validate(body)
    except ValidationError as exc:
        await send_error(send, 422, _body_errors(exc))
        return
    try:
        if parsed.session_id is not None:
            session = _named(ctx, parsed.session_id)
            payload = await session.step(parsed.action)
        else:
            async with ctx.registry.temporary() as session:
                if not session.env.allow_step_before_reset:
                    await session.reset({})
                payload = await session.step(parsed.action)
    except ProtocolError as exc:
        await send_protocol_error(send, exc)
        return
    await send_json(send, 200, _as_http(payload))


async def handle_state(request: Request, receive: Receive, send: Send, ctx: ServerContext) -> None:
    """GET /state: a named session's full state, else a fresh env's base state."""
    session_id = request.query.get("session_id")
    if session_id is None:
        await send_json(send, 200, {"episode_id": None, "step_count": 0})
        return
    try:
        await send_json(send, 200, await _named(ctx, session_id).state())
    except ProtocolError as exc:
        await send_protocol_error(send, exc)


def _named(ctx: ServerContext, session_id: str) -> Session:
    session = ctx.registry.get(session_id)
    if session is None:
        raise ProtocolError(
            WSErrorCode.SESSION_ERROR,
            f"unknown session_id {session_id!r}: POST /reset with this session_id first "
            "(sessions idle too long are closed)",
        )
    return session


def _as_http(payload: dict[str, Any]) -> dict[str, Any]:
    """The WS envelope in HTTP form: reward as float, metadata always present."""
    reward = payload["reward"]
    return {
        **payload,
        "reward": None if reward is None else float(reward),
        "metadata": payload.get("metadata"),
    }


async def handle_health(request: Request, receive: Receive, send: Send, ctx: ServerContext) -> None:
    """GET /health: 200 while healthy, 503 with reasons while a shared worker is
    dead or wedged (see :mod:`envbridge.spec.health`)."""
    status, body = health.report()
    await send_json(send, status, body)


async def handle_metadata(
    request: Request, receive: Receive, send: Send, ctx: ServerContext
) -> None:
    """GET /metadata."""
    await _send_described(send, ctx, "metadata")


async def handle_schema(request: Request, receive: Receive, send: Send, ctx: ServerContext) -> None:
    """GET /schema."""
    await _send_described(send, ctx, "schema")


async def _send_described(send: Send, ctx: ServerContext, key: str) -> None:
    try:
        described = await ctx.describe()
    except ProtocolError as exc:
        await send_protocol_error(send, exc)
        return
    await send_json(send, 200, described[key])


async def handle_openapi(
    request: Request, receive: Receive, send: Send, ctx: ServerContext
) -> None:
    """GET /openapi.json."""
    try:
        await send_json(send, 200, await ctx.openapi())
    except ProtocolError as exc:
        await send_protocol_error(send, exc)


async def handle_docs(request: Request, receive: Receive, send: Send, ctx: ServerContext) -> None:
    """GET /docs: a self-contained HTML page (no CDN: works offline)."""
    try:
        page = render_docs(await ctx.openapi(), ctx.mode)
    except ProtocolError as exc:
        await send_protocol_error(send, exc)
        return
    await send_bytes(send, 200, page.encode(), "text/html; charset=utf-8")
