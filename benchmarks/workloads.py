"""What the benchmark steps: one trivial environment served by every stack, plus bridges.

A workload names how each stack serves it and which actions a client sends. Adding a
bridged row is one more :class:`Workload` in :data:`WORKLOADS`.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any


def _alternating_delta(i: int) -> dict[str, Any]:
    """+1, -1, +1, ...: the counter never reaches its target, so episodes never end."""
    return {"delta": 1 if i % 2 == 0 else -1}


@dataclass(frozen=True)
class Workload:
    """One environment as every stack serves it."""

    name: str
    envbridge_target: str
    """``envbridge serve`` target (``module:factory`` or a bridge prefix)."""
    action: Callable[[int], dict[str, Any]]
    """The i-th action a client sends (as a wire dict)."""
    openenv_app: str | None = None
    """``module:attr`` of the official OpenEnv app serving the same env (None: no twin)."""
    description: str = ""
    extras: tuple[str, ...] = field(default=())
    """envbridge extras the target needs (documentation only)."""


COUNTER = Workload(
    name="counter",
    envbridge_target="envs.native.counter:CounterEnv",
    openenv_app="benchmarks.servers.openenv_counter:app",
    action=_alternating_delta,
    description="action {delta: int}, observation {count, last_delta}, reward = delta",
)

WORKLOADS: dict[str, Workload] = {w.name: w for w in (COUNTER,)}
"""Every workload by name; ``counter`` is the one all stacks serve."""
