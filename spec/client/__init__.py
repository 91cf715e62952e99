"""The protocol's client end: async client, its sync twin, typed results and errors.

Every error a client raises derives from :class:`EnvbridgeClientError`::

    EnvbridgeClientError
    ├── ConnectionFailed      + ConnectionError: the server is unreachable, or dropped us
    ├── ReplyTimeout          + TimeoutError: no reply within timeout_s (connection dropped)
    ├── ServerError           + RuntimeError: an error frame/status; .code is a WSErrorCode
    │                         or HttpErrorCode when known, else the string sent; .data the payload
    ├── BatchingUnsupported   the server lacks the batch extension (OpenEnv's servers)
    ├── ToolCallError         a tool reported an error; .tool, .error_type
    └── (Task API, ServerError subclasses) TasksUnsupported 501, InvalidTask 400,
        UnknownEnvironment 404 (``client.tasks``; see envbridge.spec.client.tasks)

and :class:`EnvbridgeClientError` itself derives from
:class:`envbridge.spec.errors.EnvbridgeError`, the root of envbridge's one error tree.
"""

from envbridge.spec.client.async_client import AsyncClient
from envbridge.spec.client.protocol import StepResult, ToolInfo
from envbridge.spec.client.sync_client import SyncClient
from envbridge.spec.client.tasks import (
    AsyncTasks,
    InvalidTask,
    SyncTasks,
    TasksUnsupported,
    UnknownEnvironment,
)
from envbridge.spec.errors import (
    BatchingUnsupported,
    ConnectionFailed,
    EnvbridgeClientError,
    ReplyTimeout,
    ServerError,
    ToolCallError,
)

__all__ = [
    "AsyncClient",
    "AsyncTasks",
    "BatchingUnsupported",
    "ConnectionFailed",
    "EnvbridgeClientError",
    "InvalidTask",
    "ReplyTimeout",
    "ServerError",
    "StepResult",
    "SyncClient",
    "SyncTasks",
    "TasksUnsupported",
    "ToolCallError",
    "ToolInfo",
    "UnknownEnvironment",
]
