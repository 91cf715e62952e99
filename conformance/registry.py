"""The catalogue: every check registers itself here with its documentation fields."""

from __future__ import annotations

from collections.abc import Callable

from envbridge.conformance.model import CheckFunction, CheckSpec, Level

CATALOGUE: list[CheckSpec] = []
"""All registered checks, in definition order within each area."""


def conformance_check(
    id: str,
    level: Level,
    title: str,
    *,
    sends: str,
    expects: str,
    rule: str,
    quick: bool = False,
) -> Callable[[CheckFunction], CheckFunction]:
    """Register the decorated ``async (probe) -> details`` function as check ``id``."""

    def register(run: CheckFunction) -> CheckFunction:
        if any(spec.id == id for spec in CATALOGUE):
            raise ValueError(f"duplicate conformance check id {id!r}")
        CATALOGUE.append(CheckSpec(id, level, title, sends, expects, rule, run, quick))
        return run

    return register


def catalogue() -> list[CheckSpec]:
    """Every registered check (imports the check modules on first use)."""
    from envbridge.conformance.checks import AREAS

    order = list(AREAS)
    unlisted = {spec.id for spec in CATALOGUE if spec.area not in AREAS}
    if unlisted:
        raise ValueError(f"checks {sorted(unlisted)} have an area missing from checks.AREAS")
    return sorted(CATALOGUE, key=lambda spec: order.index(spec.area))


def areas() -> list[str]:
    """Area names in catalogue order (the values ``--only`` accepts)."""
    seen: dict[str, None] = {}
    for spec in catalogue():
        seen.setdefault(spec.area, None)
    return list(seen)
