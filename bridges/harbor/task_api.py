"""Harbor tasks over OpenEnv's Task API: a folder of task directories is one split.

The split is named after the folder holding the tasks (a single task directory is a
split of one, named after its parent). A task spec is what an agent may see before it
starts: id, name, instruction, metadata (difficulty, category, ...), timeouts and
limits. It never carries ``tests/`` or ``solution/`` content, nor their paths.
"""

from __future__ import annotations

from typing import Any

from envbridge.bridges.harbor.task import Task


def split_name(tasks: list[Task]) -> str:
    """The one split's name: the folder the tasks sit in."""
    return tasks[0].path.parent.name or "tasks"


def task_spec(task: Task, index: int) -> dict[str, Any]:
    """What the Task API lists for ``task`` (no verifier or solution content)."""
    config = task.config
    package = config.task
    return {
        "id": task.id,
        "index": index,
        "name": package.name if package is not None else task.id,
        "description": package.description if package is not None else None,
        "instruction": task.instruction if config.steps is None else None,
        "metadata": dict(config.metadata),
        "difficulty": config.metadata.get("difficulty"),
        "timeouts": {
            "agent_sec": config.agent.timeout_sec,
            "verifier_sec": config.verifier.timeout_sec,
            "build_sec": config.environment.build_timeout_sec,
        },
        "limits": {"cpus": config.environment.cpus, "memory_mb": config.environment.memory_mb},
    }


class HarborTaskProvider:
    """The Task API methods of :class:`HarborEnvironment` (mixed in)."""

    tasks: list[Task]

    def list_splits(self) -> list[Any]:
        return [split_name(self.tasks)]

    def num_tasks(self, split: str) -> int:
        return len(self.tasks)

    def get_task(self, split: str, index: int) -> Any:
        return task_spec(self.tasks[index], index)
