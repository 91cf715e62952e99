"""Oracle and floor runs over harbor tasks: does each task's own solution score, and does
doing nothing not?

:func:`oracle_agent` plays harbor's oracle through the agent's tools (upload
``solution/`` with write_file, run ``solve.sh`` with ``[solution].env`` and
``DEBIAN_FRONTEND=noninteractive``). :func:`oracle_floor` runs one oracle episode and one
do-nothing episode per task and times the first reset (it includes any image build) and
the second (image cached). ``envbridge validate`` and the corpus test build on it.
"""

from __future__ import annotations

import os
import shlex
import time
from collections.abc import Callable, Iterable
from dataclasses import asdict, dataclass
from typing import Any

from envbridge.bridges.harbor.dockerfile import substitute
from envbridge.bridges.harbor.task import Task

SOLUTION_DIR = "/tmp/solution"
"""Where the oracle uploads ``solution/`` (writable by any agent user, unlike /solution)."""


class OracleError(RuntimeError):
    """solve.sh could not be uploaded or did not exit 0; the message has its output."""


@dataclass(slots=True)
class TaskScore:
    """One task's oracle/floor result on one backend."""

    task_id: str
    backend: str
    build_s: float = 0.0
    reset_s: float = 0.0
    oracle: float | None = None
    floor: float | None = None
    error: str | None = None

    @property
    def ok(self) -> bool:
        """The solution scores 1.0 and doing nothing scores below it."""
        return (
            self.error is None
            and self.oracle == 1.0
            and self.floor is not None
            and self.floor < self.oracle
        )

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)


def solution_exports(task: Task, environ: dict[str, str] | None = None) -> str:
    """``export K=V;`` for ``[solution].env`` (``${VAR}`` from the host) plus harbor's own."""
    variables = dict(os.environ if environ is None else environ)
    env = {key: substitute(value, variables) for key, value in task.config.solution.env.items()}
    env.setdefault("DEBIAN_FRONTEND", "noninteractive")
    return "".join(f"export {key}={shlex.quote(value)}; " for key, value in env.items())


def oracle_agent(env: Any, task: Task, exec_timeout_s: float | None = None) -> dict[str, Any]:
    """Upload ``solution/`` through write_file and run ``solve.sh``; return exec's result."""
    for path in sorted(task.solution_dir.rglob("*")):
        if not path.is_file():
            continue
        try:
            content = path.read_text(encoding="utf-8")
        except UnicodeDecodeError:
            raise OracleError(f"{path} is not text; write_file uploads text only") from None
        relative = path.relative_to(task.solution_dir).as_posix()
        env.call_tool("write_file", {"path": f"{SOLUTION_DIR}/{relative}", "content": content})
    command = f"{solution_exports(task)}bash {SOLUTION_DIR}/solve.sh"
    arguments: dict[str, Any] = {"command": command}
    if exec_timeout_s is not None:
        arguments["timeout_s"] = exec_timeout_s
    result = env.call_tool("exec", arguments)
    if result.get("exit_code") != 0:
        raise OracleError(
            f"solve.sh exited {result.get('exit_code')}: "
            f"{(result.get('stderr') or '')[-600:]}{(result.get('stdout') or '')[-300:]}"
        )
    return result


def _timed_reset(env: Any, task_id: str) -> float:
    started = time.perf_counter()
    env.reset(options={"task_id": task_id})
    return time.perf_counter() - started


def _submit_reward(env: Any) -> float:
    result = env.call_tool("submit", {})
    if result.data.get("verifier_error"):
        raise OracleError(f"verifier error: {result.data['verifier_error']}")
    return float(result.reward)


def score_task(env: Any, task: Task, backend: str) -> TaskScore:
    """Oracle then floor episode of ``task`` on an environment from the bridge."""
    score = TaskScore(task.id, backend)
    try:
        score.build_s = _timed_reset(env, task.id)
        oracle_agent(env, task, exec_timeout_s=None)
        score.oracle = _submit_reward(env)
        score.reset_s = _timed_reset(env, task.id)
        score.floor = _submit_reward(env)
    except Exception as exc:  # a report of every task, not the first failure
        score.error = f"{type(exc).__name__}: {exc}"
    return score


def oracle_floor(
    factory: Callable[[], Any], tasks: Iterable[Task], backend: str
) -> list[TaskScore]:
    """:func:`score_task` for every task, each in a fresh environment from ``factory``."""
    scores = []
    for task in tasks:
        env = factory()
        try:
            scores.append(score_task(env, task, backend))
        finally:
            env.close()
    return scores


def score_table(scores: Iterable[TaskScore]) -> str:
    """A Markdown table: task, backend, build time, reset time, oracle, floor."""
    lines = [
        "| task | backend | build s | reset s | oracle | floor |",
        "|---|---|---|---|---|---|",
    ]
    for s in scores:
        oracle = "error" if s.oracle is None else f"{s.oracle:g}"
        floor = "error" if s.floor is None else f"{s.floor:g}"
        times = f"{s.build_s:.1f} | {s.reset_s:.1f}"
        lines.append(f"| {s.task_id} | {s.backend} | {times} | {oracle} | {floor} |")
    return "\n".join(lines)
