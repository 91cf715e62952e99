"""The ``/ws`` frame dispatcher: one frame of text in, one reply out (no I/O).

:func:`handle_frame` decodes a frame, validates it into the :data:`WSIncoming` union,
dispatches with ``match`` on the validated type, and encodes the single reply. The
socket loop (``spec/server/ws_routes.py``) only moves text; the session core
(:mod:`envbridge.spec.session`) does the work.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any

from envbridge.spec import wire
from envbridge.spec.errors import FATAL_WS_CODES, ProtocolError, WSErrorCode
from envbridge.spec.messages import (
    WSCloseMessage,
    WSIncoming,
    WSMCPMessage,
    WSResetMessage,
    WSStateMessage,
    WSStepMessage,
)
from envbridge.spec.session import Session, invalid, validation_errors
from pydantic import TypeAdapter, ValidationError

MCPHandler = Callable[[Session, Any], Any]
"""``async (session, jsonrpc_request) -> jsonrpc_response`` supplied by the transport."""

ExtensionHandler = Callable[[dict[str, Any]], Awaitable[dict[str, Any]]]
"""``async (data) -> reply data`` for an extension frame type (e.g. batching)."""

_frame_adapter: TypeAdapter[Any] = TypeAdapter(WSIncoming)
_OPENENV_TYPES = ("reset", "step", "state", "close", "mcp")  # a tuple: `kind` may be unhashable
_SIMPLE_KEYS = {"type", "data"}


class FrameReply:
    """What a frame produced: text to send (or None) and whether to close after."""

    __slots__ = ("close", "text")

    def __init__(self, text: str | None, close: bool = False):
        self.text = text
        self.close = close


def error_frame(error: ProtocolError) -> FrameReply:
    """Render a protocol error as a WS error frame (fatal codes close the session)."""
    text = wire.encode_lenient({"type": "error", "data": error.payload()})
    return FrameReply(text, close=error.code in FATAL_WS_CODES)


async def handle_frame(
    session: Session,
    text: str | bytes,
    mcp: MCPHandler,
    extensions: dict[str, ExtensionHandler] | None = None,
) -> FrameReply:
    """Decode one ``/ws`` frame, dispatch it, and encode the single reply.

    ``extensions`` maps extra frame types (``{"type": T, "data": {...}}``) to handlers;
    their errors never close the connection.
    """
    try:
        message = wire.decode(text)
    except (ValueError, UnicodeDecodeError) as exc:
        return error_frame(ProtocolError(WSErrorCode.INVALID_JSON, f"Invalid JSON: {exc}"))
    try:
        kind = message.get("type") if isinstance(message, dict) else None
        if kind == "step" and message.keys() == _SIMPLE_KEYS and type(message["data"]) is dict:
            payload = await session.step(message["data"])  # the hot path: no pydantic
            return FrameReply(_encode_reply({"type": "observation", "data": payload}))
        if extensions and isinstance(kind, str) and kind in extensions:
            return await _extension(extensions[kind], kind, message)
        return await _dispatch(session, _validate(message, kind), mcp)
    except ProtocolError as exc:
        return error_frame(exc)


def _validate(message: Any, kind: Any) -> Any:
    """``message`` as one of the :data:`WSIncoming` models, or a ProtocolError."""
    if not isinstance(message, dict):
        raise invalid(
            "Invalid message",
            [
                {
                    "type": "dict_type",
                    "loc": [],
                    "msg": "a frame must be a JSON object",
                    "input": message,
                }
            ],
        )
    if kind not in _OPENENV_TYPES:
        raise ProtocolError(WSErrorCode.UNKNOWN_TYPE, f"Unknown message type: {kind or ''}")
    try:
        return _frame_adapter.validate_python(message)
    except ValidationError as exc:
        raise invalid("Invalid message", validation_errors(exc)) from None


async def _dispatch(session: Session, frame: Any, mcp: MCPHandler) -> FrameReply:
    match frame:
        case WSCloseMessage():
            return FrameReply(None, close=True)
        case WSResetMessage(data=data):
            reply = {"type": "observation", "data": await session.reset(data)}
        case WSStepMessage(data=data):
            reply = {"type": "observation", "data": await session.step(data)}
        case WSStateMessage():
            reply = {"type": "state", "data": await session.state()}
        case WSMCPMessage(data=data):
            reply = {"type": "mcp", "data": await mcp(session, data)}
        case _:  # pragma: no cover - the union has no other member
            raise TypeError(f"unhandled frame model {type(frame).__name__}")
    return FrameReply(_encode_reply(reply))


async def _extension(handler: ExtensionHandler, kind: str, message: dict[str, Any]) -> FrameReply:
    if message.keys() != _SIMPLE_KEYS or not isinstance(message["data"], dict):
        error = invalid(f'a {kind} frame is {{"type": "{kind}", "data": {{...}}}}', [])
        return FrameReply(error_frame(error).text)
    try:
        return FrameReply(_encode_reply({"type": kind, "data": await handler(message["data"])}))
    except ProtocolError as exc:
        # never fatal: the connection's own session is fine
        return FrameReply(error_frame(exc).text)


def _encode_reply(reply: dict[str, Any]) -> str:
    try:
        return wire.encode(reply)
    except (ValueError, TypeError) as exc:
        raise ProtocolError(
            WSErrorCode.EXECUTION_ERROR,
            f"the environment returned a value JSON cannot carry ({exc}); NaN and Infinity "
            "are not JSON: encode them as null or strings",
        ) from None
