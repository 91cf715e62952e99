"""The kit's vocabulary: levels, outcomes, check specifications, results and reports."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from enum import StrEnum
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from envbridge.conformance.probe import Probe


class Level(StrEnum):
    """How binding a check is (RFC 2119 words); INFO checks only record numbers."""

    MUST = "MUST"
    SHOULD = "SHOULD"
    MAY = "MAY"
    INFO = "INFO"


class Status(StrEnum):
    """What happened to one check."""

    PASS = "pass"
    FAIL = "fail"
    SKIP = "skip"
    INFO = "info"


class CheckFailed(Exception):
    """Raised by a check: the server broke the rule. Says what was sent and what came back."""

    def __init__(self, message: str, *, sent: Any = None, received: Any = None):
        super().__init__(message)
        self.message = message
        self.sent = sent
        self.received = received


class CheckSkipped(Exception):
    """Raised by a check that does not apply to this server; the message names why."""


CheckFunction = Callable[["Probe"], Awaitable[dict[str, Any] | None]]
"""A check: ``async (probe) -> details`` that raises CheckFailed / CheckSkipped."""


@dataclass(frozen=True)
class CheckSpec:
    """One entry of the catalogue (``docs/conformance.md`` lists the same fields)."""

    id: str
    level: Level
    title: str
    sends: str
    expects: str
    rule: str
    run: CheckFunction
    quick: bool = False
    """True: part of ``--quick`` runs."""

    @property
    def area(self) -> str:
        """The area is the id's prefix (``ws.reset`` -> ``ws``)."""
        return self.id.split(".", 1)[0]


@dataclass
class CheckResult:
    """The outcome of one check against one server."""

    id: str
    level: Level
    title: str
    status: Status
    message: str = ""
    duration_s: float = 0.0
    sent: Any = None
    received: Any = None
    details: dict[str, Any] = field(default_factory=dict)
    rule: str = ""
    """The rule the check enforces (its catalogue text)."""
    upstream: str | None = None
    """Set when the failure is known upstream behaviour (OpenEnv's own), with a link."""

    def to_json(self) -> dict[str, Any]:
        """A JSON-ready dict (what ``--json`` writes per check)."""
        return {
            "id": self.id,
            "level": self.level.value,
            "title": self.title,
            "status": self.status.value,
            "message": self.message,
            "duration_s": round(self.duration_s, 4),
            "sent": self.sent,
            "received": self.received,
            "details": self.details,
            "rule": self.rule,
            "upstream": self.upstream,
        }


@dataclass
class Report:
    """Everything one run found: the server's dialect and mode and every check result."""

    url: str
    dialect: str
    mode: str
    results: list[CheckResult] = field(default_factory=list)
    duration_s: float = 0.0

    def failed(self, level: Level | None = None) -> list[CheckResult]:
        """Failed checks, optionally only those of ``level``."""
        return [
            r
            for r in self.results
            if r.status is Status.FAIL and (level is None or r.level is level)
        ]

    @property
    def passed(self) -> bool:
        """True when every MUST check passed (or was skipped)."""
        return not self.failed(Level.MUST)

    def result(self, check_id: str) -> CheckResult:
        """The result of ``check_id`` (KeyError if it did not run)."""
        for r in self.results:
            if r.id == check_id:
                return r
        raise KeyError(check_id)

    def counts(self) -> dict[str, int]:
        """How many checks ended in each status."""
        return {s.value: sum(r.status is s for r in self.results) for s in Status}

    def to_json(self) -> dict[str, Any]:
        """A JSON-ready dict (the ``--json`` file)."""
        return {
            "url": self.url,
            "dialect": self.dialect,
            "mode": self.mode,
            "passed": self.passed,
            "counts": self.counts(),
            "duration_s": round(self.duration_s, 3),
            "results": [r.to_json() for r in self.results],
        }
