"""The open-files limit a server needs for ``max_sessions`` sessions, raised by itself.

Each WebSocket session holds one socket; the server also needs descriptors for its
listener, logs, environments' files and subprocesses. Linux's default soft limit (1,024)
caps a server far below a large ``--max-sessions``; the hard limit is usually higher, and
a process may raise its own soft limit up to it.
"""

from __future__ import annotations

import logging
import resource

log = logging.getLogger("envbridge.server")

FDS_PER_SESSION = 2
"""Descriptors budgeted per session (its socket, and one spare for what its env opens)."""
FD_HEADROOM = 256
"""Descriptors for everything else (listener, logs, imports, subprocess pipes)."""


def fds_needed(max_sessions: int) -> int:
    """The soft limit a server with ``max_sessions`` sessions asks for."""
    return max_sessions * FDS_PER_SESSION + FD_HEADROOM


def raise_fd_limit(max_sessions: int) -> int:
    """Raise the soft ``RLIMIT_NOFILE`` towards :func:`fds_needed`; return the limit in force.

    Never lowers it. When the hard limit (or the OS) refuses, the server still starts, and
    a warning says how many sessions fit and what to change.
    """
    needed = fds_needed(max_sessions)
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    if soft == resource.RLIM_INFINITY or soft >= needed:
        return soft
    target = needed if hard == resource.RLIM_INFINITY else min(needed, hard)
    try:
        resource.setrlimit(resource.RLIMIT_NOFILE, (target, hard))
        soft = target
    except (ValueError, OSError) as exc:
        log.warning("could not raise the open-files limit to %d: %s", target, exc)
    if soft < needed:
        fits = max((soft - FD_HEADROOM) // FDS_PER_SESSION, 0)
        log.warning(
            "--max-sessions %d needs about %d open files, but this process may open %d "
            "(hard limit %s), so about %d sessions fit. Raise the hard limit (ulimit -Hn, "
            "LimitNOFILE= in a systemd unit, --ulimit nofile= for docker) or lower "
            "--max-sessions.",
            max_sessions,
            needed,
            soft,
            "unlimited" if hard == resource.RLIM_INFINITY else hard,
            fits,
        )
    return soft
