"""envbridge: the common socket for agentic-RL environments.

Public API: :func:`serve` (serve an environment factory), :func:`connect` (a client for
any OpenEnv-compatible server). Heavy ecosystems (gymnasium, verifiers, docker) and the
server stack are imported only when used, so ``import envbridge`` stays fast.
"""

from __future__ import annotations

from importlib.metadata import PackageNotFoundError, version
from typing import TYPE_CHECKING, Any

try:
    __version__ = version("envbridge")
except PackageNotFoundError:  # running from a source tree without an install
    __version__ = "0.0.0+unknown"

if TYPE_CHECKING:
    from envbridge.pool import Pool, SyncPool
    from envbridge.spec.client import AsyncClient


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


_LAZY = {"Pool": "envbridge.pool", "SyncPool": "envbridge.pool"}
"""Public names imported on first use (``envbridge.Pool`` and friends)."""


def __getattr__(name: str) -> Any:
    if name in _LAZY:
        import importlib

        return getattr(importlib.import_module(_LAZY[name]), name)
    raise AttributeError(f"module 'envbridge' has no attribute {name!r}")


__all__ = ["Pool", "SyncPool", "__version__", "connect", "serve"]
