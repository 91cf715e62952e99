"""The demo's conformance stage: the kit against every server, one summary row each."""

from __future__ import annotations

import time
from dataclasses import dataclass, field


@dataclass
class CheckRow:
    """One server's conformance summary."""

    name: str
    passed: bool
    counts: dict[str, tuple[int, int]]
    """level -> (passed, ran) for MUST, SHOULD and MAY."""
    skipped: int
    seconds: float
    failures: list[str] = field(default_factory=list)
    """``level id: message`` of each failed check."""

    def cells(self) -> list[object]:
        levels = [f"{p}/{n}" for p, n in (self.counts[k] for k in ("MUST", "SHOULD", "MAY"))]
        verdict = "PASS" if self.passed else "FAIL"
        return [self.name, verdict, *levels, self.skipped, round(self.seconds, 1)]


HEADERS = ["environment", "verdict", "MUST", "SHOULD", "MAY", "skipped", "seconds"]


def kit_missing() -> str | None:
    """Why the conformance kit cannot run, or None when it can."""
    try:
        from envbridge.conformance import check_async  # noqa: F401
    except ImportError:
        return "skipped: the conformance kit (envbridge.conformance) not installed yet"
    return None


async def check_server(name: str, url: str, quick: bool) -> CheckRow:
    """Run the kit against ``url`` and summarise it."""
    from envbridge.conformance import Level, Options, Status, check_async

    started = time.monotonic()
    report = await check_async(url, Options(quick=quick))
    counts = {}
    for level in (Level.MUST, Level.SHOULD, Level.MAY):
        ran = [r for r in report.results if r.level is level and r.status is not Status.SKIP]
        counts[level.value] = (sum(r.status is Status.PASS for r in ran), len(ran))
    return CheckRow(
        name=name,
        passed=report.passed,
        counts=counts,
        skipped=sum(r.status is Status.SKIP for r in report.results),
        seconds=time.monotonic() - started,
        failures=[f"{r.level.value} {r.id}: {r.message}" for r in report.failed()],
    )
