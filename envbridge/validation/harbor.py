"""``envbridge validate harbor:PATH``: each task's solution as the oracle, doing nothing
as the floor, on the chosen backend.

Per task, in a fresh environment from the bridge: reset onto the task, upload
``solution/`` through the agent's own tools and run ``solve.sh``, submit (the oracle
reward); reset again and submit at once (the floor reward). A failure is reported as a
build error (reset failed), an oracle error (solve.sh failed), a test error (the verifier
failed), oracle below max (1.0), or floor not below oracle.
"""

from __future__ import annotations

import asyncio
import hashlib
import shlex
import time
from pathlib import Path
from typing import Any

from envbridge.validation.model import CannotValidate, TaskVerdict
from envbridge.validation.runner import choose, run_jobs

MAX_REWARD = 1.0
SOLUTION_DIR = "/tmp/solution"
DEFAULT_SOLVE_TIMEOUT_S = 600.0
"""exec time limit while validating (the agent's default is 60 s; solutions may build)."""


class _Stage(Exception):
    """A failure in one stage of a task's run (the message is the verdict's ``why``)."""


def _load(path: str, options: dict[str, Any]) -> tuple[Any, list[Any]]:
    from envbridge.bridges.harbor.target import load_target

    try:
        factory = load_target(path, options)
    except ValueError as exc:
        raise CannotValidate(str(exc)) from None
    probe = factory()
    try:
        return factory, list(probe.tasks)
    finally:
        probe.close()


def _solve(env: Any, task: Any, exec_timeout_s: float) -> None:
    """Upload ``solution/`` with write_file and run ``solve.sh`` with exec, as an agent would."""
    for path in sorted(task.solution_dir.rglob("*")):
        if path.is_file():
            try:
                content = path.read_text(encoding="utf-8")
            except UnicodeDecodeError:
                raise _Stage(
                    f"oracle error: {path.name} is not text (write_file uploads text)"
                ) from None
            relative = path.relative_to(task.solution_dir).as_posix()
            env.call_tool("write_file", {"path": f"{SOLUTION_DIR}/{relative}", "content": content})
    exports = "".join(
        f"export {key}={shlex.quote(value)}; " for key, value in task.config.solution.env.items()
    )
    command = f"{exports}bash {SOLUTION_DIR}/solve.sh"
    result = env.call_tool("exec", {"command": command, "timeout_s": exec_timeout_s})
    if result.get("exit_code") != 0:
        tail = (result.get("stderr") or result.get("stdout") or "").strip()[-300:]
        raise _Stage(f"oracle error: solve.sh exited {result.get('exit_code')}: {tail}")


def _episode(env: Any, index: int, policy: Any) -> float:
    try:
        env.reset(options={"index": index})
    except Exception as exc:
        raise _Stage(f"build error: {type(exc).__name__}: {exc}") from None
    policy(env)
    try:
        result = env.call_tool("submit", {})
    except Exception as exc:
        raise _Stage(f"test error: {type(exc).__name__}: {exc}") from None
    error = result.data.get("verifier_error") if isinstance(result.data, dict) else None
    if error:
        raise _Stage(f"test error: {error}")
    return float(result.reward)


def _score(factory: Any, task: Any, index: int, split: str, exec_timeout_s: float) -> TaskVerdict:
    verdict = TaskVerdict(task.id, split, index, MAX_REWARD)
    started = time.monotonic()
    env = factory()
    try:
        verdict.oracle = _episode(env, index, lambda e: _solve(e, task, exec_timeout_s))
        verdict.floor = _episode(env, index, lambda e: None)
    except _Stage as exc:
        verdict.why = str(exc)
    except Exception as exc:  # a report of every task, not the first crash
        verdict.why = f"error: {type(exc).__name__}: {exc}"
    finally:
        env.close()
        verdict.seconds = time.monotonic() - started
    return verdict.judge()


def digest(path: Path) -> str:
    """sha256 over the task folder's files (relative paths and contents)."""
    hasher = hashlib.sha256()
    root = path if path.is_dir() else path.parent
    for file in sorted(p for p in root.rglob("*") if p.is_file() and not p.is_symlink()):
        hasher.update(file.relative_to(root).as_posix().encode() + b"\0")
        hasher.update(file.read_bytes())
    return hasher.hexdigest()


async def validate_harbor(
    path: str,
    options: dict[str, Any],
    *,
    sample: int | None,
    seed: int,
    jobs: int,
    progress: Any = None,
) -> tuple[list[TaskVerdict], int]:
    """Verdicts for the (sampled) tasks at ``path``, and how many tasks there are."""
    from envbridge.bridges.harbor.task_api import split_name

    options = {"exec_timeout_s": DEFAULT_SOLVE_TIMEOUT_S, **options}
    factory, tasks = _load(path, options)
    split = split_name(tasks)
    exec_timeout_s = float(options["exec_timeout_s"])
    chosen = choose(list(enumerate(tasks)), sample, seed)
    work = [
        (lambda i=i, t=t: asyncio.to_thread(_score, factory, t, i, split, exec_timeout_s))
        for i, t in chosen
    ]
    return await run_jobs(jobs, work, progress), len(tasks)
