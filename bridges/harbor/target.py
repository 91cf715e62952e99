"""The ``harbor:PATH`` serve target: load, lint and pick a backend once, at start-up."""

from __future__ import annotations

from functools import partial
from typing import Any

from envbridge.bridges.harbor.backends import choose_backend
from envbridge.bridges.harbor.environment import HarborEnvironment
from envbridge.bridges.harbor.lint import errors, lint_task
from envbridge.bridges.harbor.settings import HarborSettings
from envbridge.bridges.harbor.task import TaskLoadError, load_tasks
from pydantic import ValidationError


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
    problems = [
        f"{task.id}: [{finding.rule}] {finding.message}"
        for task in tasks
        for finding in errors(lint_task(task, backend))
    ]
    if backend == "docker":
        from envbridge.bridges.harbor.backends.docker import base_image_problems

        problems += base_image_problems(tasks, settings.base_images)
    if problems:
        raise ValueError(
            f"harbor:{rest} cannot be served with the {backend} backend:\n  "
            + "\n  ".join(problems)
        )
    return partial(HarborEnvironment, tasks, settings, backend)
