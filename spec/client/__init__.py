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

__all__ = [
    "AsyncClient",
    "BatchingUnsupported",
    "ConnectionFailed",
    "EnvbridgeClientError",
    "ServerError",
    "StepResult",
    "SyncClient",
    "ToolCallError",
    "ToolInfo",
]
