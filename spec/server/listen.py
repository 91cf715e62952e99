"""Listening: validate the port, bind before announcing, and say where we listen.

The banner is printed only once the socket is bound, with the port the system gave
(``port=0`` picks a free one), so what it says is always true.
"""

from __future__ import annotations

import socket
import sys
from typing import TextIO

BACKLOG = 2048


class PortUnavailable(OSError):
    """The port could not be bound (taken, or not ours to take); the message says so."""


def check_port(port: object) -> int:
    """``port`` as an int in 0..65535 (0: any free port), else ValueError."""
    if isinstance(port, bool) or not isinstance(port, int) or not 0 <= port <= 65535:
        raise ValueError(f"port must be 0 (any free port) or 1-65535, got {port!r}")
    return port


def bind(host: str, port: int) -> socket.socket:
    """A listening TCP socket on ``host:port``; PortUnavailable when it cannot be had."""
    check_port(port)
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    sock = socket.socket(family, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    try:
        sock.bind((host, port))
        sock.listen(BACKLOG)
    except OSError as exc:
        sock.close()
        reason = exc.strerror or str(exc)
        raise PortUnavailable(
            f"cannot listen on {host}:{port}: {reason}"
            + (" (another server is using it)" if port else "")
            + "; choose another with --port, or --port 0 for any free one"
        ) from None
    sock.set_inheritable(True)
    return sock


def bound_port(sock: socket.socket) -> int:
    """The port ``sock`` listens on (the real one when 0 was asked for)."""
    return int(sock.getsockname()[1])


def banner(label: str, mode: str, host: str, port: int) -> str:
    """The one line a server prints once it listens."""
    from envbridge import __version__

    shown = f"[{host}]" if ":" in host else host
    return (
        f"envbridge {__version__}: serving {label} ({mode} mode) on http://{shown}:{port}  "
        "(WebSocket /ws, MCP /mcp, docs /docs, page /web)"
    )


def announce(line: str, stream: TextIO | None = None) -> None:
    """Print the banner (stderr by default) and flush it at once."""
    print(line, file=stream or sys.stderr, flush=True)
