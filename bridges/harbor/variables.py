"""``${VAR}`` in a task's env tables, filled from the server's environment only when the
operator allow-lists ``VAR`` (``envbridge serve --pass-env VAR``, serve option ``pass_env``).

A task is written by someone else: left unchecked, ``LEAK = "${AWS_SECRET_ACCESS_KEY}"``
would hand the server's secrets to the agent. A reference to a variable that is not
allow-listed is an error when the tasks load, naming the task, table and variable; one
with a default (``${VAR:-default}``) gets its default, whatever the server's
environment holds.
"""

from __future__ import annotations

import os
import re
from collections.abc import Iterable

from envbridge.bridges.harbor.dockerfile import substitute
from envbridge.bridges.harbor.task import Task

_REFERENCE = re.compile(r"\$(?:\{(\w+)(:-[^}]*)?\}|(\w+))")


def env_tables(task: Task) -> dict[str, dict[str, str]]:
    """The task's env tables the server expands, by their task.toml name."""
    config = task.config
    return {"environment.env": config.environment.env, "verifier.env": config.verifier.env}


def required(values: Iterable[str]) -> set[str]:
    """Names of the variables ``values`` refer to without a default (``$X``, ``${X}``)."""
    return {
        match.group(1) or match.group(3)
        for value in values
        for match in _REFERENCE.finditer(value)
        if match.group(2) is None
    }


def unlisted_references(task: Task, allowed: Iterable[str]) -> list[str]:
    """One message per variable ``task`` refers to that is not in ``allowed``."""
    allowed = set(allowed)
    problems = []
    for table, env in env_tables(task).items():
        for name in sorted(required(env.values()) - allowed):
            problems.append(
                f"[{table}] refers to ${{{name}}} from the server's environment; pass it "
                f"explicitly with --pass-env {name} (serve option pass_env) if the task may "
                "see it, or remove the reference from task.toml"
            )
    return problems


def expand(env: dict[str, str], allowed: Iterable[str]) -> dict[str, str]:
    """``env`` with allow-listed variables filled from the server's environment (others
    take their ``:-default``, else the empty string)."""
    passed = {name: os.environ[name] for name in allowed if name in os.environ}
    return {key: substitute(value, passed) for key, value in env.items()}
