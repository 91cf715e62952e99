"""The harbor bridge: serve harbor task directories as OpenEnv environments.

``envbridge serve harbor:PATH`` (PATH: a task directory or a folder of tasks). Sandboxes
come from :mod:`.backends` (docker or local); ``envbridge harbor lint PATH`` is
:func:`envbridge.bridges.harbor.cli.main`.
"""

from envbridge.bridges.harbor.environment import HarborEnvironment
from envbridge.bridges.harbor.lint import Finding, lint_task
from envbridge.bridges.harbor.settings import HarborSettings
from envbridge.bridges.harbor.target import load_target
from envbridge.bridges.harbor.task import Task, TaskLoadError, load_task, load_tasks

__all__ = [
    "Finding",
    "HarborEnvironment",
    "HarborSettings",
    "Task",
    "TaskLoadError",
    "lint_task",
    "load_target",
    "load_task",
    "load_tasks",
]
