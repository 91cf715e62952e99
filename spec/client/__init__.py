"""The protocol's client end: async client, its sync twin, typed results and errors."""

from envbridge.spec.client.async_client import AsyncClient
from envbridge.spec.client.protocol import (
    BatchingUnsupported,
    ConnectionFailed,
    EnvbridgeClientError,
    ServerError,
    StepResult,
    ToolCallError,
    ToolInfo,
)
from envbridge.spec.client.sync_client import SyncClient
from envbridge.spec.client.tasks import (
    AsyncTasks,
    InvalidTask,
    SyncTasks,
    TasksUnsupported,
    UnknownEnvironment,
)

__all__ = [
    "AsyncClient",
    "AsyncTasks",
    "BatchingUnsupported",
    "ConnectionFailed",
    "EnvbridgeClientError",
    "InvalidTask",
    "ServerError",
    "StepResult",
    "SyncClient",
    "SyncTasks",
    "TasksUnsupported",
    "ToolCallError",
    "ToolInfo",
    "UnknownEnvironment",
]
