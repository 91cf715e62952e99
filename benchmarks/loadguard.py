"""Every pairing's load average, before and after, and reruns when the machine was busy.

A figure taken while other jobs held the cores says little; the report refuses a "met"
verdict built on one. :func:`guarded` measures, records the 1-minute load average
before and after, and reruns (after a pause) while that load exceeded the core count,
up to ``reruns`` times; the result keeps ``loaded: true`` if every attempt was busy.
"""

from __future__ import annotations

import os
import time
from collections.abc import Callable
from typing import Any

PAUSE_S = 10.0
"""Wait before a rerun, so a burst from a neighbour can pass."""


def cores() -> int:
    """CPUs this process may run on."""
    return len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count() or 1


def guarded(
    measure: Callable[[], dict[str, Any]],
    *,
    reruns: int,
    note: Callable[[str], None] = lambda line: None,
    pause_s: float = PAUSE_S,
) -> dict[str, Any]:
    """``measure()`` with ``load_before``/``load_after``/``loaded``/``attempts`` added."""
    limit = cores()
    attempt = 0
    while True:
        attempt += 1
        before = os.getloadavg()[0]
        result = measure()
        after = os.getloadavg()[0]
        busy = max(before, after) > limit
        result.update(
            load_before=round(before, 2),
            load_after=round(after, 2),
            loaded=busy,
            attempts=attempt,
        )
        if not busy or attempt > reruns or "error" in result:
            return result
        note(f"load {max(before, after):.1f} > {limit} cores: rerun {attempt}/{reruns}")
        time.sleep(pause_s)


def combine(runs: list[dict[str, Any]]) -> dict[str, Any]:
    """Load fields for figures combined from several guarded runs (medians of repetitions)."""
    if not runs:
        return {}
    return {
        "load_before": max(r.get("load_before", 0.0) for r in runs),
        "load_after": max(r.get("load_after", 0.0) for r in runs),
        "loaded": any(r.get("loaded") for r in runs),
    }
