"""Where an environment's synchronous methods run: inline on the event loop, or on the
session's worker thread, decided by measurement (``Environment.blocking = "auto"``).

A thread hop costs tens of microseconds, more than a classic-control step; a slow or
blocking call run inline stalls every other session. So an ``"auto"`` environment starts
on its thread and times each call there (wall time: a sleep or a wait counts). After
:data:`PROBE_CALLS` calls a method moves inline if all but :data:`SLOW_PROBES_ALLOWED`
of them were within :data:`INLINE_BUDGET_S` (so a slow first call such as Gymnasium's
env checker, or a call preempted on a busy machine, does not decide), and stays on its
thread for good otherwise. Inline calls are timed too: one slower than
:data:`DEMOTE_AFTER_S` sends the method back to the thread to be measured again. A method
that turned slow stalls the loop once and is then pinned to its thread; a fast one that a
noisy neighbour preempted comes back inline after :data:`PROBE_CALLS` calls.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Any

PROBE_CALLS = 8
"""Calls timed on the thread before a method may move inline."""
INLINE_BUDGET_S = 0.0005
"""A method whose probe calls took less than this (all but a few) runs inline."""
SLOW_PROBES_ALLOWED = 2
"""Probe calls over the budget that still let a method move inline."""
DEMOTE_AFTER_S = 0.002
"""An inline call slower than this sends its method back to the thread, to be re-measured."""


class Placement:
    """Per-method placement for one session's environment (``blocking = "auto"``)."""

    __slots__ = ("_inline", "_pinned", "_probes")

    def __init__(self) -> None:
        self._inline: set[str] = set()
        self._pinned: set[str] = set()
        """Methods that stay on the thread (too slow when probed, or demoted)."""
        self._probes: dict[str, list[float]] = {}

    def inline(self, name: str) -> bool:
        """True when ``name`` should be called on the event loop now."""
        return name in self._inline

    def run_inline(self, name: str, method: Callable[..., Any], *args: Any, **kwargs: Any) -> Any:
        """Call inline and time it; a slow call sends the method back to be re-measured."""
        start = time.perf_counter()
        try:
            return method(*args, **kwargs)
        finally:
            if time.perf_counter() - start > DEMOTE_AFTER_S:
                self._inline.discard(name)
                self._probes[name] = []

    def run_probed(self, name: str, method: Callable[..., Any], *args: Any, **kwargs: Any) -> Any:
        """Call on the worker thread (this runs there) and count the call as a probe."""
        start = time.perf_counter()
        try:
            return method(*args, **kwargs)
        finally:
            self._record(name, time.perf_counter() - start)

    def _record(self, name: str, elapsed_s: float) -> None:
        if name in self._pinned or name in self._inline:
            return
        probes = self._probes.setdefault(name, [])
        probes.append(elapsed_s)
        if len(probes) >= PROBE_CALLS:
            deciding = sorted(probes)[PROBE_CALLS - 1 - SLOW_PROBES_ALLOWED]
            (self._inline if deciding <= INLINE_BUDGET_S else self._pinned).add(name)

    def describe(self) -> dict[str, str]:
        """Method -> "inline" | "thread" | "probing" (for tests and diagnostics)."""
        names = self._inline | self._pinned | set(self._probes)
        return {
            name: "inline"
            if name in self._inline
            else "thread"
            if name in self._pinned
            else "probing"
            for name in sorted(names)
        }
