"""``serve``: run the ASGI app with uvicorn (loopback by default)."""

from __future__ import annotations

import os
from collections.abc import Callable
from typing import Any

from envbridge.spec.modes import Mode
from envbridge.spec.server.app import (
    DEFAULT_IDLE_TIMEOUT_S,
    DEFAULT_MAX_SESSIONS,
    DEFAULT_SHUTDOWN_TIMEOUT_S,
    create_app,
)
from envbridge.spec.server.context import DEFAULT_MAX_MESSAGE_BYTES
from envbridge.spec.server.fd_limit import raise_fd_limit
from envbridge.spec.server.listen import announce, banner, bind, bound_port

# uvicorn's own frame limit sits above ours so oversize frames get a structured error
# from envbridge (up to this size) instead of an abrupt close 1009.
_TRANSPORT_FRAME_LIMIT_FACTOR = 4

WS_PATH_VARIABLE = "ENVBRIDGE_WS_PATH"
"""``direct`` (the default) serves ``/ws`` from the socket protocol; ``asgi`` through
uvicorn's ASGI layer like every other route (slower; for comparison and as a fallback)."""


def ws_protocol() -> Any:
    """The WebSocket protocol uvicorn should use: envbridge's direct ``/ws`` path unless
    ``ENVBRIDGE_WS_PATH=asgi`` or uvicorn predates its sans-I/O protocol."""
    choice = os.environ.get(WS_PATH_VARIABLE, "direct").strip().lower()
    if choice not in ("direct", "asgi"):
        raise ValueError(f"{WS_PATH_VARIABLE} must be 'direct' or 'asgi', not {choice!r}")
    if choice == "asgi":
        return "auto"
    try:
        from envbridge.spec.server.ws_direct import DirectWebSocketProtocol
    except ImportError:  # uvicorn < 0.35: no sans-I/O WebSocket protocol to build on
        return "auto"
    return DirectWebSocketProtocol


def uvicorn_config_kwargs(max_message_bytes: int = DEFAULT_MAX_MESSAGE_BYTES) -> dict[str, Any]:
    """The uvicorn settings envbridge serves with (also used by tests and benchmarks)."""
    return {
        "ws_max_size": max_message_bytes * _TRANSPORT_FRAME_LIMIT_FACTOR,
        "ws_per_message_deflate": False,
        "ws": ws_protocol(),
        # Keepalive pings stay (they keep idle NAT paths open) but a pong may take up to
        # five minutes: uvicorn's 20 s default closed ~0.7 % of 16,384 sessions (1011) whose
        # client processes were merely busy on a loaded machine (benchmarks/scale.py).
        "ws_ping_interval": 30.0,
        "ws_ping_timeout": 300.0,
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
    step_timeout_s: float | None = None,
    ws_idle_timeout_s: float | None = None,
    shutdown_timeout_s: float = DEFAULT_SHUTDOWN_TIMEOUT_S,
) -> None:
    """Serve environments made by ``factory`` until SIGTERM/SIGINT (blocks).

    Binds first (ValueError for a bad port, PortUnavailable when it is taken), then prints
    one banner line to stderr with the real port (``quiet`` skips it; ``label`` names what
    is served, default the factory's name) and calls ``on_listening(port)``. The event
    loop runs on the calling (main) thread, which environments that install signal
    handlers at construction (verifiers) need. ``step_timeout_s`` and
    ``ws_idle_timeout_s`` are as in :func:`create_app`. After a signal the process
    exits within ``shutdown_timeout_s`` even when an environment call is stuck, having
    removed the temp folders, subprocesses and containers its bridges registered (see
    :mod:`envbridge.spec.server.shutdown`).
    """
    from envbridge.spec.server import shutdown

    raise_fd_limit(max_sessions)
    sock = bind(host, port)
    try:
        app = create_app(
            factory,
            mode=mode,
            max_sessions=max_sessions,
            idle_timeout_s=idle_timeout_s,
            step_timeout_s=step_timeout_s,
            ws_idle_timeout_s=ws_idle_timeout_s,
            shutdown_timeout_s=shutdown_timeout_s,
        )
        kwargs = uvicorn_config_kwargs()
        kwargs["log_level"] = log_level
        if not quiet:
            name = label or getattr(factory, "__name__", type(factory).__name__)
            announce(banner(name, str(Mode(mode).value), host, bound_port(sock)))
        if on_listening is not None:
            on_listening(bound_port(sock))
        shutdown.run(
            app, shutdown_timeout_s, sockets=[sock], host=host, port=bound_port(sock), **kwargs
        )
    finally:
        sock.close()
