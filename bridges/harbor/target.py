"""The ``harbor:PATH`` serve target: load, lint and pick a backend once, at start-up."""

from __future__ import annotations

import logging
from functools import partial
from typing import Any

from envbridge.bridges.harbor.backends import choose_backend
from envbridge.bridges.harbor.environment import HarborEnvironment
from envbridge.bridges.harbor.lint import errors, lint_task
from envbridge.bridges.harbor.settings import HarborSettings
from envbridge.bridges.harbor.task import TaskLoadError, load_tasks
from envbridge.bridges.harbor.variables import unlisted_references
from pydantic import ValidationError

log = logging.getLogger(__name__)


def load_target(rest: str, options: dict[str, Any]) -> Any:
    """A factory of :class:`HarborEnvironment` for the task (folder) at ``rest``.

    Raises ``ValueError`` (with what to fix) for a bad path, bad options, or tasks using
    features the chosen backend cannot honour.
    """
    try:
        settings = HarborSettings.model_validate(options)
    except ValidationError as exc:
        problems = "; ".join(
            f"{'.'.join(str(part) for part in error['loc'])}: {error['msg']}"
            for error in exc.errors()
        )
        raise ValueError(f"harbor:{rest}: bad options ({problems})") from None
    try:
        tasks = load_tasks(rest)
    except TaskLoadError as exc:
        raise ValueError(f"harbor:{rest}: {exc}") from None
    backend = choose_backend(settings.backend)
    findings = {task.id: lint_task(task, backend, settings) for task in tasks}
    for task_id, task_findings in findings.items():
        for finding in task_findings:
            if finding.severity == "warning":
                log.warning("harbor task %s: [%s] %s", task_id, finding.rule, finding.message)
    problems = {
        task_id: [f"[{finding.rule}] {finding.message}" for finding in errors(task_findings)]
        for task_id, task_findings in findings.items()
    }
    for task in tasks:
        problems[task.id] += unlisted_references(task, settings.pass_env)
    if backend == "docker":
        from envbridge.bridges.harbor.backends import SandboxError
        from envbridge.bridges.harbor.backends.docker import base_image_problems

        for task in tasks:
            try:
                problems[task.id] += base_image_problems([task], settings.base_images)
            except SandboxError as exc:  # no engine: say so instead of a traceback
                raise ValueError(f"harbor:{rest}: {exc}") from None
    refused = {task_id: reasons for task_id, reasons in problems.items() if reasons}
    runnable = [task for task in tasks if task.id not in refused]
    if refused and (not settings.skip_unsupported or not runnable or len(tasks) == 1):
        raise ValueError(
            f"harbor:{rest} cannot be served with the {backend} backend:\n  "
            + "\n  ".join(f"{task_id}: {reason}" for task_id, reasons in refused.items()
                           for reason in reasons)
        )  # fmt: skip
    for task_id, reasons in refused.items():
        log.warning("harbor task %s skipped (%s backend): %s", task_id, backend, "; ".join(reasons))
    tasks = runnable
    return partial(HarborEnvironment, tasks, settings, backend)
