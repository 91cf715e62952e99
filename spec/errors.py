"""Error codes of the protocol: WebSocket error codes and JSON-RPC error codes."""

from __future__ import annotations

from enum import IntEnum, StrEnum


class WSErrorCode(StrEnum):
    """``data.code`` of a WebSocket ``error`` frame.

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


class TaskErrorCode(StrEnum):
    """``detail.code`` of a Task API error (``/{env_name}/...`` routes, HTTP only)."""

    TASKS_UNSUPPORTED = "TASKS_UNSUPPORTED"
    """501: the environment lists no tasks."""
    INVALID_TASK = "INVALID_TASK"
    """400: unknown split, or task index out of range."""
    UNKNOWN_ENVIRONMENT = "UNKNOWN_ENVIRONMENT"
    """404: the path names another environment (see ``GET /list_environments``)."""
