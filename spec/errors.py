"""Every error code of the protocol and every exception envbridge raises, in one tree.

::

    EnvbridgeError                      root: ``except EnvbridgeError`` catches them all
    ├── EnvError                        raised on purpose by environment authors
    │   ├── InvalidAction               -> VALIDATION_ERROR (the session survives)
    │   └── ToolError                   -> an in-band tool error (ToolErrorType)
    ├── ProtocolError                   server side: a failure with a WSErrorCode; each
    │                                   transport renders it (WS frame, HTTP status, RPC)
    ├── RpcError                        server side: a JSON-RPC error (JsonRpcErrorCode)
    └── EnvbridgeClientError            client side (envbridge.spec.client)
        ├── ConnectionFailed            + ConnectionError: unreachable, or dropped
        ├── ReplyTimeout                + TimeoutError: no reply in timeout_s (connection dropped)
        ├── ServerError                 + RuntimeError: an error frame/status; ``code`` typed
        ├── BatchingUnsupported         the server lacks the batch extension
        └── ToolCallError               a tool reported an error

Anything else an environment raises becomes ``EXECUTION_ERROR``: the session core maps
environment exceptions in one place (:func:`envbridge.spec.session.env_errors`).
"""

from __future__ import annotations

from enum import IntEnum, StrEnum
from typing import Any


class WSErrorCode(StrEnum):
    """``data.code`` of a WebSocket ``error`` frame (and of HTTP error bodies).

    The first seven are OpenEnv's; the rest are envbridge extensions (OpenEnv clients
    raise on any code, so they stay compatible).
    """

    INVALID_JSON = "INVALID_JSON"
    UNKNOWN_TYPE = "UNKNOWN_TYPE"
    VALIDATION_ERROR = "VALIDATION_ERROR"
    EXECUTION_ERROR = "EXECUTION_ERROR"
    CAPACITY_REACHED = "CAPACITY_REACHED"
    FACTORY_ERROR = "FACTORY_ERROR"
    SESSION_ERROR = "SESSION_ERROR"
    # envbridge extensions
    MODE_RESTRICTED = "MODE_RESTRICTED"
    """reset/step/state sent to a production-mode server (tools only)."""
    EPISODE_NOT_STARTED = "EPISODE_NOT_STARTED"
    """step before the first reset, for an env that does not allow it."""
    EPISODE_DONE = "EPISODE_DONE"
    """step after done, for an env that does not allow it; send reset."""


class HttpErrorCode(StrEnum):
    """``detail.code`` values only HTTP routes send (besides the :class:`WSErrorCode` ones)."""

    SESSION_NOT_FOUND = "SESSION_NOT_FOUND"
    """``Mcp-Session-Id`` names no live MCP session (404): send ``initialize`` again."""
    MISSING_SESSION = "MISSING_SESSION"
    """``DELETE /mcp`` without an ``Mcp-Session-Id`` header (400)."""
    UNSUPPORTED_MEDIA_TYPE = "UNSUPPORTED_MEDIA_TYPE"
    """A body that is not ``application/json`` (415)."""
    PAYLOAD_TOO_LARGE = "PAYLOAD_TOO_LARGE"
    """A body over the server's message limit (413)."""
    INTERNAL_ERROR = "INTERNAL_ERROR"
    """A bug in the server itself (500); the server log has the traceback."""
    TASKS_UNSUPPORTED = "TASKS_UNSUPPORTED"
    """Task API: the environment lists no tasks (501)."""
    INVALID_TASK = "INVALID_TASK"
    """Task API: unknown split, or task index out of range (400)."""
    UNKNOWN_ENVIRONMENT = "UNKNOWN_ENVIRONMENT"
    """Task API: the path names another environment (404; see ``GET /list_environments``)."""


FATAL_WS_CODES = frozenset(
    {WSErrorCode.CAPACITY_REACHED, WSErrorCode.FACTORY_ERROR, WSErrorCode.SESSION_ERROR}
)
"""Codes after which the server closes the connection (1000); all others keep it open."""


class JsonRpcErrorCode(IntEnum):
    """JSON-RPC 2.0 error codes used by ``/mcp``."""

    PARSE_ERROR = -32700
    INVALID_REQUEST = -32600
    METHOD_NOT_FOUND = -32601
    INVALID_PARAMS = -32602
    INTERNAL_ERROR = -32603
    SERVER_ERROR = -32000


class ToolErrorType(StrEnum):
    """``error_type`` of an in-band tool error (OpenEnv's four)."""

    TOOL_NOT_FOUND = "tool_not_found"
    INVALID_ARGS = "invalid_args"
    EXECUTION_ERROR = "execution_error"
    TIMEOUT = "timeout"


ErrorCode = WSErrorCode | HttpErrorCode | str
"""A code as a client sees it: one of the enums, or a string envbridge does not know."""


def error_code(value: Any) -> ErrorCode:
    """``value`` as a :class:`WSErrorCode` or :class:`HttpErrorCode` when it is one."""
    text = str(value)
    for enum in (WSErrorCode, HttpErrorCode):
        if text in enum.__members__:
            return enum(text)
    return text


# --------------------------------------------------------------------------- exceptions


class EnvbridgeError(Exception):
    """Root of every exception envbridge raises on purpose."""


class EnvError(EnvbridgeError):
    """Base of the errors an environment raises on purpose; each maps to a wire code."""


class InvalidAction(EnvError):
    """The action does not fit the action space; becomes ``VALIDATION_ERROR``.

    ``errors`` are pydantic-style dicts (``type``, ``loc``, ``msg``, ``input``) so that
    clients see the same shape whatever produced the error.
    """

    def __init__(self, message: str, errors: list[dict[str, Any]] | None = None):
        super().__init__(message)
        self.errors = errors or [
            {"type": "value_error", "loc": ["action"], "msg": message, "input": None}
        ]


class ToolError(EnvError):
    """A tool failed; reported in-band (``observation.error`` / MCP ``isError``).

    ``error_type`` is a :class:`ToolErrorType` (a plain string is accepted and kept).
    """

    def __init__(self, message: str, error_type: ToolErrorType | str = "execution_error"):
        super().__init__(message)
        self.error_type = error_type


class ProtocolError(EnvbridgeError):
    """A server-side failure with a wire code; ``extras`` join the error payload."""

    def __init__(self, code: WSErrorCode, message: str, **extras: Any):
        super().__init__(message)
        self.code = code
        self.message = message
        self.extras = extras

    def payload(self) -> dict[str, Any]:
        """The ``data`` of a WS error frame."""
        return {"message": self.message, "code": self.code.value, **self.extras}


class RpcError(EnvbridgeError):
    """A JSON-RPC error response."""

    def __init__(self, code: int, message: str, data: Any = None):
        super().__init__(message)
        self.code = code
        self.message = message
        self.data = data


class EnvbridgeClientError(EnvbridgeError):
    """Base of every client error."""


class ConnectionFailed(EnvbridgeClientError, ConnectionError):
    """The server could not be reached or the connection dropped."""


class ReplyTimeout(EnvbridgeClientError, TimeoutError):
    """No reply within ``timeout_s``; the connection (and a WS session) was dropped."""


class ServerError(EnvbridgeClientError, RuntimeError):
    """The server answered with an error frame or status.

    ``code`` is the wire code as an enum member when envbridge knows it
    (``WSErrorCode.VALIDATION_ERROR``, ``HttpErrorCode.SESSION_NOT_FOUND``, ...), else the
    string sent; ``data`` the whole error payload (``errors`` for validation failures).
    """

    def __init__(self, message: str, code: Any, data: dict[str, Any] | None = None):
        self.code: ErrorCode = error_code(code)
        super().__init__(f"{message} (code: {self.code})")
        self.message = message
        self.data = data or {}


class BatchingUnsupported(EnvbridgeClientError):
    """The server does not offer the batch extension (e.g. an OpenEnv server)."""


class ToolCallError(EnvbridgeClientError):
    """A tool reported an error (in-band or as a JSON-RPC error)."""

    def __init__(self, tool: str, message: str, error_type: str | None = None):
        super().__init__(f"tool {tool!r} failed: {message}")
        self.tool = tool
        self.error_type = error_type
