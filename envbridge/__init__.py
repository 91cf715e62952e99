"""envbridge: the common socket for agentic-RL environments.

Public API: :func:`serve` (serve an environment factory), :func:`connect` (a client for
any OpenEnv-compatible server), the clients (:class:`AsyncClient`, :class:`SyncClient`,
:class:`Pool`), what an environment is made of (:class:`Environment`,
:class:`Observation`, :class:`Tool`, ...) and the error tree (:class:`EnvbridgeError`
and below; see :mod:`envbridge.spec.errors`). Heavy ecosystems (gymnasium, verifiers,
docker) and the server stack are imported only when used, so ``import envbridge`` stays
fast.
"""

from __future__ import annotations

from importlib.metadata import PackageNotFoundError, version
from typing import TYPE_CHECKING, Any

try:
    __version__ = version("envbridge")
except PackageNotFoundError:  # running from a source tree without an install
    __version__ = "0.0.0+unknown"

if TYPE_CHECKING:
    from envbridge.pool import ImageSource, Pool, ProcessSource, SyncPool, TargetSource, UrlSource
    from envbridge.spec.client import (
        AsyncClient,
        AsyncTasks,
        InvalidTask,
        StepResult,
        SyncClient,
        SyncTasks,
        TasksUnsupported,
        ToolInfo,
        UnknownEnvironment,
    )
    from envbridge.spec.environment import (
        Environment,
        EnvironmentMetadata,
        Observation,
        Tool,
        ToolResult,
    )
    from envbridge.spec.errors import (
        BatchingUnsupported,
        ConnectionFailed,
        EnvbridgeClientError,
        EnvbridgeError,
        EnvError,
        HttpErrorCode,
        InvalidAction,
        ReplyTimeout,
        ServerError,
        ToolCallError,
        ToolError,
        ToolErrorType,
        WSErrorCode,
    )


def serve(factory: Any, **kwargs: Any) -> None:
    """Serve environments made by ``factory`` (blocks); see ``envbridge.spec.server.serve``.

    ``factory`` is an Environment class or a zero-argument callable, or a serve target
    string (``"module:factory"``, ``"gym:CartPole-v1"``, ``"verifiers:NAME"``,
    ``"harbor:PATH"``).
    """
    from envbridge.spec.server import serve as _serve
    from envbridge.targets import resolve_target

    if isinstance(factory, str):
        factory = resolve_target(factory)
    _serve(factory, **kwargs)


def connect(url: str | None = None, *, image: str | None = None, **kwargs: Any) -> AsyncClient:
    """A client for the server at ``url`` (async; ``.sync()`` gives the blocking twin).

    Keyword arguments: ``transport`` ("ws" or "http"), ``timeout_s``,
    ``connect_timeout_s``, ``session_id``. The connection opens on first use.
    ``image=IMAGE`` instead starts that Docker image (``envbridge[docker]``), connects,
    and removes the container on close or on any start-up failure; ``start_options``
    (port, health timeout) go to the container start.
    """
    if (url is None) == (image is None):
        raise TypeError("connect() takes a url or image=..., exactly one of them")
    if image is not None:
        from envbridge.docker.connect import connect_image

        return connect_image(image, **kwargs)
    from envbridge.spec.client import AsyncClient

    return AsyncClient(url, **kwargs)


_LAZY: dict[str, str] = {
    # clients
    "AsyncClient": "envbridge.spec.client",
    "SyncClient": "envbridge.spec.client",
    "StepResult": "envbridge.spec.client",
    "ToolInfo": "envbridge.spec.client",
    "AsyncTasks": "envbridge.spec.client",
    "SyncTasks": "envbridge.spec.client",
    "TasksUnsupported": "envbridge.spec.client",
    "InvalidTask": "envbridge.spec.client",
    "UnknownEnvironment": "envbridge.spec.client",
    "Pool": "envbridge.pool",
    "SyncPool": "envbridge.pool",
    "TargetSource": "envbridge.pool",
    "ProcessSource": "envbridge.pool",
    "ImageSource": "envbridge.pool",
    "UrlSource": "envbridge.pool",
    # writing an environment
    "Environment": "envbridge.spec.environment",
    "EnvironmentMetadata": "envbridge.spec.environment",
    "Observation": "envbridge.spec.environment",
    "Tool": "envbridge.spec.environment",
    "ToolResult": "envbridge.spec.environment",
    # the error tree (envbridge.spec.errors) and its codes
    "EnvbridgeError": "envbridge.spec.errors",
    "EnvError": "envbridge.spec.errors",
    "InvalidAction": "envbridge.spec.errors",
    "ToolError": "envbridge.spec.errors",
    "EnvbridgeClientError": "envbridge.spec.errors",
    "ConnectionFailed": "envbridge.spec.errors",
    "ReplyTimeout": "envbridge.spec.errors",
    "ServerError": "envbridge.spec.errors",
    "BatchingUnsupported": "envbridge.spec.errors",
    "ToolCallError": "envbridge.spec.errors",
    "WSErrorCode": "envbridge.spec.errors",
    "HttpErrorCode": "envbridge.spec.errors",
    "ToolErrorType": "envbridge.spec.errors",
}
"""Public names imported on first use, so ``import envbridge`` stays cheap."""


def __getattr__(name: str) -> Any:
    module = _LAZY.get(name)
    if module is None:
        raise AttributeError(f"module 'envbridge' has no attribute {name!r}")
    import importlib

    value = getattr(importlib.import_module(module), name)
    globals()[name] = value  # later look-ups skip __getattr__
    return value


def __dir__() -> list[str]:
    return sorted(set(globals()) | set(__all__))


__all__ = [
    "AsyncClient",
    "AsyncTasks",
    "BatchingUnsupported",
    "ConnectionFailed",
    "EnvError",
    "EnvbridgeClientError",
    "EnvbridgeError",
    "Environment",
    "EnvironmentMetadata",
    "HttpErrorCode",
    "ImageSource",
    "InvalidAction",
    "InvalidTask",
    "Observation",
    "Pool",
    "ProcessSource",
    "ReplyTimeout",
    "ServerError",
    "StepResult",
    "SyncClient",
    "SyncPool",
    "SyncTasks",
    "TargetSource",
    "TasksUnsupported",
    "Tool",
    "ToolCallError",
    "ToolError",
    "ToolErrorType",
    "ToolInfo",
    "ToolResult",
    "UnknownEnvironment",
    "UrlSource",
    "WSErrorCode",
    "__version__",
    "connect",
    "serve",
]
