"""Tasks for Gymnasium envs: an opt-in list of seeds/options served over the Task API.

A Gymnasium env has no dataset, so the bridge answers 501 unless the user names the
tasks: ``envbridge serve gym:ID --tasks FILE`` (or ``wrap(..., tasks=...)``). The file is
JSON: a list of tasks (one split, ``train``) or ``{"split name": [task, ...], ...}``;
a task is ``{"seed": int, "options": {...}}`` (both optional) or a bare integer seed.
``reset(split=..., index=...)`` then resets with that task's seed and options.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, ValidationError


class GymTask(BaseModel):
    """One task: the seed and options of a reset."""

    model_config = ConfigDict(extra="forbid")

    seed: int | None = Field(default=None, ge=0)
    options: dict[str, Any] | None = None


GymSplits = dict[str, list[GymTask]]


def parse_tasks(raw: Any, where: str = "tasks") -> GymSplits:
    """Validate a task list (or split -> task list mapping); ``ValueError`` says what is wrong."""
    splits = raw if isinstance(raw, dict) else {"train": raw}
    parsed: GymSplits = {}
    for name, tasks in splits.items():
        if not isinstance(tasks, list) or not tasks:
            raise ValueError(f"{where}: split {name!r} must be a non-empty list of tasks")
        try:
            parsed[str(name)] = [
                GymTask(seed=task) if isinstance(task, int) else GymTask.model_validate(task)
                for task in tasks
            ]
        except ValidationError as exc:
            first = exc.errors()[0]
            raise ValueError(
                f"{where}: split {name!r}: {first['msg']} at {list(first['loc'])}; a task is "
                '{"seed": 3, "options": {...}} or a bare seed'
            ) from None
    if not parsed:
        raise ValueError(f"{where}: no splits")
    return parsed


def load_tasks_file(path: str | Path) -> GymSplits:
    """Read and validate a ``--tasks`` JSON file."""
    path = Path(path)
    try:
        raw = json.loads(path.read_text(encoding="utf-8"))
    except OSError as exc:
        raise ValueError(f"--tasks {path}: cannot read it ({exc.strerror})") from None
    except json.JSONDecodeError as exc:
        raise ValueError(f"--tasks {path}: not JSON ({exc})") from None
    return parse_tasks(raw, f"--tasks {path}")


class GymTaskProvider:
    """The Task API methods of :class:`GymEnvironment` (mixed in); 501 without tasks."""

    task_splits: GymSplits | None

    def list_splits(self) -> list[Any]:
        if not self.task_splits:
            raise NotImplementedError
        return list(self.task_splits)

    def num_tasks(self, split: str) -> int:
        assert self.task_splits is not None
        return len(self.task_splits[split])

    def get_task(self, split: str, index: int) -> Any:
        assert self.task_splits is not None
        return {"index": index, **self.task_splits[split][index].model_dump()}
