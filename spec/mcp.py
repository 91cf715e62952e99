"""JSON-RPC 2.0 / MCP dispatcher, shared by POST /mcp, WS /mcp and ``mcp`` frames on /ws.

Two dialects answer from one code path:

* ``openenv``: OpenEnv's JSON-RPC (no handshake needed, ``openenv/session/*``, tool
  results in FastMCP's snake_case shape with ``data``, tool errors as -32603);
* ``mcp``: standard MCP (``initialize``, notifications, camelCase ``CallToolResult``
  with ``isError``), used once a client has sent ``initialize``.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from contextlib import AbstractAsyncContextManager, nullcontext
from typing import Any, Literal, Protocol

from envbridge.spec import wire
from envbridge.spec.environment import ToolError
from envbridge.spec.errors import JsonRpcErrorCode, RpcError, ToolErrorType, WSErrorCode
from envbridge.spec.session import ProtocolError, Session

Dialect = Literal["openenv", "mcp"]

SUPPORTED_PROTOCOL_VERSIONS = ("2024-11-05", "2025-03-26", "2025-06-18", "2025-11-25")
"""MCP protocol revisions this server speaks (tools only)."""


class SessionHost(Protocol):
    """What the dispatcher needs from the server's session registry."""

    server_name: str
    server_version: str

    async def create(
        self, session_id: str | None = None, reset_data: dict[str, Any] | None = None
    ) -> Session: ...

    def get(self, session_id: str) -> Session | None: ...

    async def close(self, session_id: str) -> bool: ...

    def temporary(self) -> AbstractAsyncContextManager[Session]: ...


def response(request_id: Any, result: Any) -> dict[str, Any]:
    """A JSON-RPC success response."""
    return {"jsonrpc": "2.0", "id": request_id, "result": result}


def error_response(request_id: Any, code: int, message: str, data: Any = None) -> dict[str, Any]:
    """A JSON-RPC error response."""
    return {
        "jsonrpc": "2.0",
        "id": request_id,
        "error": {"code": int(code), "message": message, "data": data},
    }


_ALLOWED_KEYS = {"jsonrpc", "method", "params", "id"}


def decode_request(payload: str | bytes, unit: str) -> Any:
    """The JSON-RPC request in one frame or body; :class:`RpcError` for bad JSON or a batch.

    ``unit`` names what carries one request ("frame", "POST") for the batch message.
    """
    try:
        request = wire.decode(payload)
    except (ValueError, UnicodeDecodeError):
        raise RpcError(JsonRpcErrorCode.PARSE_ERROR, "Parse error") from None
    if isinstance(request, list):
        raise RpcError(
            JsonRpcErrorCode.INVALID_REQUEST,
            f"Invalid Request: batch requests are not supported; send one request per {unit}",
        )
    return request


def is_initialize(request: Any) -> bool:
    """True for an MCP ``initialize`` request (it opens the standard MCP dialect)."""
    return isinstance(request, dict) and request.get("method") == "initialize"


def validate_request(request: Any) -> tuple[Any, str, dict[str, Any]]:
    """Return (id, method, params) or raise :class:`RpcError` (-32600)."""
    if not isinstance(request, dict):
        raise RpcError(JsonRpcErrorCode.INVALID_REQUEST, "Invalid Request: expected a JSON object")
    request_id = request.get("id")
    extra = set(request) - _ALLOWED_KEYS
    if extra:
        raise RpcError(
            JsonRpcErrorCode.INVALID_REQUEST, f"Invalid Request: unexpected keys {sorted(extra)}"
        )
    if request.get("jsonrpc") != "2.0":
        raise RpcError(JsonRpcErrorCode.INVALID_REQUEST, "Invalid Request: jsonrpc must be '2.0'")
    method = request.get("method")
    if not isinstance(method, str):
        raise RpcError(JsonRpcErrorCode.INVALID_REQUEST, "Invalid Request: method must be a string")
    params = request.get("params", {})
    if params is None:
        params = {}
    if not isinstance(params, dict):
        raise RpcError(
            JsonRpcErrorCode.INVALID_REQUEST, "Invalid Request: params must be an object"
        )
    if request_id is not None and (
        isinstance(request_id, bool) or not isinstance(request_id, str | int)
    ):
        raise RpcError(
            JsonRpcErrorCode.INVALID_REQUEST,
            "Invalid Request: id must be a string, an integer or null",
        )
    return request_id, method, params


def negotiate_version(requested: Any) -> str:
    """The client's protocol revision if we speak it, else our newest."""
    if requested in SUPPORTED_PROTOCOL_VERSIONS:
        return str(requested)
    return SUPPORTED_PROTOCOL_VERSIONS[-1]


async def dispatch(
    host: SessionHost,
    request: Any,
    *,
    session: Session | None,
    dialect: Dialect,
) -> dict[str, Any] | None:
    """Answer one JSON-RPC request; ``None`` for a notification in the MCP dialect.

    ``session`` is the session the transport is bound to (a WS connection, an MCP
    session id); without one, ``params.session_id`` or a temporary env is used.
    """
    request_id = request.get("id") if isinstance(request, dict) else None
    try:
        request_id, method, params = validate_request(request)
        if dialect == "mcp" and "id" not in request:
            return None  # notification: no response
        result = await _run_method(host, method, params, session, dialect)
        return response(request_id, result)
    except RpcError as exc:
        return error_response(request_id, exc.code, exc.message, exc.data)


MethodHandler = Callable[["_Call"], Awaitable[Any]]


class _Call:
    """One method call's context, handed to its handler."""

    __slots__ = ("dialect", "host", "params", "session")

    def __init__(
        self,
        host: SessionHost,
        params: dict[str, Any],
        session: Session | None,
        dialect: Dialect,
    ):
        self.host = host
        self.params = params
        self.session = session
        self.dialect = dialect


async def _initialize(call: _Call) -> Any:
    return {
        "protocolVersion": negotiate_version(call.params.get("protocolVersion")),
        "capabilities": {"tools": {"listChanged": False}},
        "serverInfo": {"name": call.host.server_name, "version": call.host.server_version},
    }


async def _ping(call: _Call) -> Any:
    return {}


async def _tools_list(call: _Call) -> Any:
    async with _target_session(call.host, call.params, call.session) as target:
        return {"tools": [wire.tool_for_mcp_list(t) for t in _tools_of(target)]}


async def _session_create(call: _Call) -> Any:
    if call.session is not None:
        return {"session_id": call.session.id}
    params = call.params
    reset_data: dict[str, Any] = {
        k: params[k] for k in ("seed", "options", "split", "index") if k in params
    }
    try:
        created = await call.host.create(reset_data=reset_data)
    except ProtocolError as exc:
        if exc.code is WSErrorCode.VALIDATION_ERROR:  # e.g. a bad task split/index
            data = {"code": exc.code.value, **exc.extras}
            raise RpcError(JsonRpcErrorCode.INVALID_PARAMS, exc.message, data) from None
        raise RpcError(JsonRpcErrorCode.SERVER_ERROR, exc.message, exc.extras or None) from None
    return {"session_id": created.id}


async def _session_close(call: _Call) -> Any:
    session_id = call.params.get("session_id")
    if not isinstance(session_id, str):
        raise RpcError(JsonRpcErrorCode.INVALID_PARAMS, "Missing 'session_id' in params")
    if call.session is not None and call.session.id == session_id:
        raise RpcError(
            JsonRpcErrorCode.INVALID_REQUEST,
            "cannot close the connection's own session; close the connection instead",
        )
    if not await call.host.close(session_id):
        raise RpcError(JsonRpcErrorCode.INVALID_PARAMS, f"Unknown session_id: {session_id}")
    return {"session_id": session_id, "closed": True}


async def _tools_call(call: _Call) -> Any:
    return await _call_tool(call.host, call.params, call.session, call.dialect)


METHODS: dict[str, MethodHandler] = {
    "initialize": _initialize,
    "ping": _ping,
    "tools/list": _tools_list,
    "tools/call": _tools_call,
    "openenv/session/create": _session_create,
    "openenv/session/close": _session_close,
}
"""JSON-RPC method -> handler (``notifications/*`` are acknowledged with ``{}``)."""


async def _run_method(
    host: SessionHost,
    method: str,
    params: dict[str, Any],
    session: Session | None,
    dialect: Dialect,
) -> Any:
    handler = METHODS.get(method)
    if handler is not None:
        return await handler(_Call(host, params, session, dialect))
    if method.startswith("notifications/"):
        return {}
    raise RpcError(JsonRpcErrorCode.METHOD_NOT_FOUND, f"Method not found: {method}")


def _tools_of(session: Session) -> list[Any]:
    try:
        return session.tools()
    except ProtocolError as exc:
        raise RpcError(JsonRpcErrorCode.INTERNAL_ERROR, exc.message) from None


async def _call_tool(
    host: SessionHost, params: dict[str, Any], session: Session | None, dialect: Dialect
) -> Any:
    name = params.get("name")
    if not isinstance(name, str):
        raise RpcError(JsonRpcErrorCode.INVALID_PARAMS, "Missing 'name' in params")
    arguments = params.get("arguments") or {}
    if not isinstance(arguments, dict):
        raise RpcError(JsonRpcErrorCode.INVALID_PARAMS, "'arguments' must be an object")
    async with _target_session(host, params, session) as target:
        try:
            result = await target.call_tool(name, arguments)
        except ToolError as exc:
            if dialect == "mcp":
                if exc.error_type == ToolErrorType.TOOL_NOT_FOUND:
                    raise RpcError(JsonRpcErrorCode.INVALID_PARAMS, str(exc)) from None
                return wire.tool_result_mcp(str(exc), is_error=True)
            raise RpcError(
                JsonRpcErrorCode.INTERNAL_ERROR, str(exc), {"error_type": exc.error_type}
            ) from None
    if dialect == "mcp":
        return wire.tool_result_mcp(result.data)
    return wire.tool_result_openenv(result.data)


def _target_session(
    host: SessionHost, params: dict[str, Any], session: Session | None
) -> AbstractAsyncContextManager[Session]:
    if session is not None:
        return nullcontext(session)
    session_id = params.get("session_id")
    if session_id is not None:
        found = host.get(session_id) if isinstance(session_id, str) else None
        if found is None:
            raise RpcError(JsonRpcErrorCode.INVALID_PARAMS, f"Unknown session_id: {session_id}")
        return nullcontext(found)
    return _TemporaryOrError(host)


class _TemporaryOrError:
    """``host.temporary()`` with factory/capacity failures turned into RPC errors."""

    def __init__(self, host: SessionHost):
        self._cm = host.temporary()

    async def __aenter__(self) -> Session:
        try:
            return await self._cm.__aenter__()
        except ProtocolError as exc:
            raise RpcError(JsonRpcErrorCode.SERVER_ERROR, exc.message, exc.extras or None) from None

    async def __aexit__(self, *exc: object) -> None:
        await self._cm.__aexit__(*exc)  # type: ignore[arg-type]


__all__ = [
    "METHODS",
    "Dialect",
    "RpcError",
    "SessionHost",
    "decode_request",
    "dispatch",
    "is_initialize",
]
