"""What ``envbridge validate`` finds: one verdict per task, and the run around them."""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from typing import Any, Literal

Outcome = Literal["pass", "fail", "error"]
"""pass: oracle at max, floor below it; fail: a reward rule broken; error: could not run."""

EXIT_PASS, EXIT_FAIL, EXIT_COULD_NOT_RUN = 0, 1, 2


class CannotValidate(Exception):
    """The target cannot be validated at all (exit 2); the message says why and what to do."""


@dataclass(slots=True)
class TaskVerdict:
    """One task's oracle and floor episodes."""

    task_id: str
    split: str
    index: int
    max_reward: float
    oracle: float | None = None
    floor: float | None = None
    seconds: float = 0.0
    outcome: Outcome = "error"
    why: str | None = None
    """Why it did not pass: build error, test error, oracle below max, floor not below
    oracle, no oracle, ..."""

    def judge(self, tolerance: float = 1e-6) -> TaskVerdict:
        """Set ``outcome`` and ``why`` from the rewards (unless an error was recorded)."""
        if self.why is not None:
            self.outcome = "error" if self.oracle is None or self.floor is None else "fail"
            return self
        if self.oracle is None or self.oracle < self.max_reward - tolerance:
            self.outcome, self.why = "fail", f"oracle below max ({self.oracle} < {self.max_reward})"
        elif self.floor is None or self.floor >= self.oracle:
            self.outcome, self.why = (
                "fail",
                f"floor not below oracle ({self.floor} >= {self.oracle})",
            )
        else:
            self.outcome = "pass"
        return self

    def to_json(self) -> dict[str, Any]:
        return asdict(self)


@dataclass(slots=True)
class ValidationRun:
    """Every verdict of one ``envbridge validate`` run."""

    target: str
    kind: str
    """The bridge: ``harbor`` or ``verifiers``."""
    verdicts: list[TaskVerdict] = field(default_factory=list)
    total_tasks: int = 0
    """Tasks the target has (``verdicts`` may cover a sample)."""
    seconds: float = 0.0
    source_digest: str = ""

    def counts(self) -> dict[str, int]:
        return {o: sum(v.outcome == o for v in self.verdicts) for o in ("pass", "fail", "error")}

    @property
    def exit_code(self) -> int:
        """0 every task passed, 1 some did not."""
        return EXIT_PASS if all(v.outcome == "pass" for v in self.verdicts) else EXIT_FAIL
