"""What the benchmark steps: one trivial environment served by every stack, plus bridges.

A workload names how each stack serves it and which actions a client sends. Adding a
bridged row is one more :class:`Workload` in :data:`WORKLOADS`.
"""

from __future__ import annotations

import importlib.util
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
    full: bool = True
    """False (bridged rows): in-process, single-session WS/HTTP and one load level only."""
    load_levels: tuple[int, ...] | None = None
    """Session counts for load; None: the run's ``--concurrency``."""

    def available(self) -> bool:
        """True when this install can serve the target (its bridge is installed)."""
        from envbridge.targets import BRIDGE_PREFIXES

        prefix = self.envbridge_target.partition(":")[0]
        module = BRIDGE_PREFIXES[prefix][0] if prefix in BRIDGE_PREFIXES else prefix
        try:
            return importlib.util.find_spec(module) is not None
        except ModuleNotFoundError:  # a parent package is missing
            return False


COUNTER = Workload(
    name="counter",
    envbridge_target="envs.native.counter:CounterEnv",
    openenv_app="benchmarks.servers.openenv_counter:app",
    action=_alternating_delta,
    description="action {delta: int}, observation {count, last_delta}, reward = delta",
)

CARTPOLE = Workload(
    name="cartpole",
    envbridge_target="gym:CartPole-v1",
    action=lambda i: {"action": i % 2},
    description="Gymnasium CartPole-v1 through the gymnasium bridge (episodes end: resets "
    "happen outside the timed steps)",
    extras=("gymnasium",),
    full=False,
    load_levels=(64,),
)

WORKLOADS: dict[str, Workload] = {w.name: w for w in (COUNTER, CARTPOLE)}
"""Every workload by name; ``counter`` is the one all stacks serve, the rest are bridged
rows (measured when their bridge is installed)."""
