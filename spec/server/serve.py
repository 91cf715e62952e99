"""``serve``: run the ASGI app with uvicorn (loopback by default)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from envbridge.spec.modes import Mode
from envbridge.spec.server.app import DEFAULT_IDLE_TIMEOUT_S, DEFAULT_MAX_SESSIONS, create_app
from envbridge.spec.server.context import DEFAULT_MAX_MESSAGE_BYTES
from envbridge.spec.server.fd_limit import raise_fd_limit
from envbridge.spec.server.listen import announce, banner, bind, bound_port

# uvicorn's own frame limit sits above ours so oversize frames get a structured error
# from envbridge (up to this size) instead of an abrupt close 1009.
_TRANSPORT_FRAME_LIMIT_FACTOR = 4


def uvicorn_config_kwargs(max_message_bytes: int = DEFAULT_MAX_MESSAGE_BYTES) -> dict[str, Any]:
    """The uvicorn settings envbridge serves with (also used by tests and benchmarks)."""
    return {
        "ws_max_size": max_message_bytes * _TRANSPORT_FRAME_LIMIT_FACTOR,
        "ws_per_message_deflate": False,
        "lifespan": "on",
        "log_level": "warning",
        "access_log": False,
    }


def serve(
    factory: Callable[[], Any],
    *,
    host: str = "127.0.0.1",
    port: int = 8000,
    mode: Mode | str = Mode.SIMULATION,
    max_sessions: int = DEFAULT_MAX_SESSIONS,
    idle_timeout_s: float | None = DEFAULT_IDLE_TIMEOUT_S,
    log_level: str = "warning",
    label: str | None = None,
    quiet: bool = False,
    on_listening: Callable[[int], None] | None = None,
) -> None:
    """Serve environments made by ``factory`` until interrupted (blocks).

    Binds first (ValueError for a bad port, PortUnavailable when it is taken), then prints
    one banner line to stderr with the real port (``quiet`` skips it; ``label`` names what
    is served, default the factory's name) and calls ``on_listening(port)``. The event
    loop runs on the calling (main) thread, which environments that install signal
    handlers at construction (verifiers) need.
    """
    import uvicorn

    raise_fd_limit(max_sessions)
    sock = bind(host, port)
    try:
        app = create_app(
            factory, mode=mode, max_sessions=max_sessions, idle_timeout_s=idle_timeout_s
        )
        kwargs = uvicorn_config_kwargs()
        kwargs["log_level"] = log_level
        server = uvicorn.Server(uvicorn.Config(app, host=host, port=bound_port(sock), **kwargs))
        if not quiet:
            name = label or getattr(factory, "__name__", type(factory).__name__)
            announce(banner(name, str(Mode(mode).value), host, bound_port(sock)))
        if on_listening is not None:
            on_listening(bound_port(sock))
        server.run(sockets=[sock])
    finally:
        sock.close()
