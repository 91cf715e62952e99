"""Liveness: what ``GET /health`` reports.

``/health`` answers 200 ``{"status": "healthy"}`` while the server can serve new
sessions, and 503 ``{"status": "unhealthy", "reasons": [...]}`` while something a
bridge shares between sessions (a worker thread, an event loop) is dead or wedged.
Bridges register a *probe* per shared worker: a cheap function returning ``None`` when
the worker is fine and a reason otherwise. Probes must never block (they run on the
server's loop for every ``/health``), so they read state a watchdog keeps up to date.

Probes are process-wide, because the workers they watch are.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable

log = logging.getLogger("envbridge.health")

Probe = Callable[[], str | None]
"""``() -> None`` when healthy, else a one-line reason."""

_lock = threading.Lock()
_probes: dict[str, Probe] = {}


def register(name: str, probe: Probe) -> None:
    """Watch a shared worker under ``name`` (replaces an earlier probe of that name)."""
    with _lock:
        _probes[name] = probe


def unregister(name: str) -> None:
    """Stop watching ``name`` (unknown names are ignored)."""
    with _lock:
        _probes.pop(name, None)


def problems() -> list[str]:
    """Why the server is unhealthy now (empty when healthy); a probe that raises is a
    problem too."""
    with _lock:
        probes = list(_probes.items())
    reasons = []
    for name, probe in probes:
        try:
            reason = probe()
        except Exception as exc:
            reason = f"its health probe raised {type(exc).__name__}: {exc}"
        if reason:
            reasons.append(f"{name}: {reason}")
    return reasons


def report() -> tuple[int, dict[str, object]]:
    """The HTTP status and body of ``GET /health``."""
    reasons = problems()
    if reasons:
        return 503, {"status": "unhealthy", "reasons": reasons}
    return 200, {"status": "healthy"}
