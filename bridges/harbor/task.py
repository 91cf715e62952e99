"""A harbor task directory on disk, and folders of them.

Layout: ``task.toml``, ``instruction.md``, ``environment/`` (Dockerfile and build
context), ``tests/test.sh``, optional ``solution/solve.sh``. A folder of tasks is any
directory whose direct children are task directories (harbor's ``-p DIR`` rule).
"""

from __future__ import annotations

import re
import tomllib
from dataclasses import dataclass
from functools import cached_property
from pathlib import Path

from envbridge.bridges.harbor.config import TaskConfig
from pydantic import ValidationError

_CANARY = re.compile(r"^\s*(#.*canary.*|<!--.*canary.*-->)\s*$", re.IGNORECASE)


class TaskLoadError(ValueError):
    """A task directory is missing or malformed; the message says what to fix."""


def strip_canary(text: str) -> str:
    """Drop leading canary lines (``# ... canary ...`` / ``<!-- canary -->``) and blanks."""
    lines = text.splitlines(keepends=True)
    index = 0
    while index < len(lines) and _CANARY.match(lines[index]):
        index += 1
    if index == 0:
        return text
    while index < len(lines) and not lines[index].strip():
        index += 1
    return "".join(lines[index:])


@dataclass(frozen=True)
class Task:
    """One task directory, parsed and checked."""

    path: Path
    config: TaskConfig

    @property
    def id(self) -> str:
        """The task id: the directory name (harbor's short name)."""
        return self.path.name

    @property
    def environment_dir(self) -> Path:
        return self.path / "environment"

    @property
    def dockerfile(self) -> Path:
        return self.environment_dir / "Dockerfile"

    @property
    def tests_dir(self) -> Path:
        return self.path / "tests"

    @property
    def test_script(self) -> Path:
        return self.tests_dir / "test.sh"

    @property
    def solution_dir(self) -> Path:
        return self.path / "solution"

    @property
    def solve_script(self) -> Path:
        return self.solution_dir / "solve.sh"

    @cached_property
    def instruction(self) -> str:
        """``instruction.md`` as the agent sees it (canary lines stripped)."""
        return strip_canary((self.path / "instruction.md").read_text(encoding="utf-8"))


def load_task(path: str | Path) -> Task:
    """Parse and check one task directory; raise :class:`TaskLoadError` saying what is wrong."""
    path = Path(path).resolve()
    if not path.is_dir():
        raise TaskLoadError(f"{path} is not a directory; give a harbor task directory")
    toml_path = path / "task.toml"
    if not toml_path.is_file():
        raise TaskLoadError(f"{path} has no task.toml; a harbor task needs one")
    try:
        raw = tomllib.loads(toml_path.read_text(encoding="utf-8"))
    except tomllib.TOMLDecodeError as exc:
        raise TaskLoadError(f"{toml_path}: invalid TOML ({exc})") from None
    try:
        config = TaskConfig.model_validate(raw)
    except ValidationError as exc:
        problems = "; ".join(
            f"{'.'.join(str(part) for part in error['loc']) or 'task.toml'}: {error['msg']}"
            for error in exc.errors()
        )
        raise TaskLoadError(f"{toml_path}: {problems}") from None
    task = Task(path, config)
    if config.steps is None and not (path / "instruction.md").is_file():
        raise TaskLoadError(f"{path} has no instruction.md (the agent's instructions)")
    if config.steps is None and not task.test_script.is_file():
        raise TaskLoadError(f"{path} has no tests/test.sh (the verifier writes the reward)")
    if config.environment.docker_image is None and not task.environment_dir.is_dir():
        raise TaskLoadError(
            f"{path} has no environment/ directory and [environment].docker_image is unset"
        )
    return task


def is_task_dir(path: Path) -> bool:
    """True when ``path`` looks like a task directory (has ``task.toml``)."""
    return (path / "task.toml").is_file()


def load_tasks(path: str | Path) -> list[Task]:
    """One task directory, or every direct child task of a folder (sorted by id)."""
    path = Path(path).resolve()
    if is_task_dir(path):
        return [load_task(path)]
    if not path.is_dir():
        raise TaskLoadError(f"{path} does not exist; give a task directory or a folder of tasks")
    children = sorted(child for child in path.iterdir() if child.is_dir() and is_task_dir(child))
    if not children:
        raise TaskLoadError(
            f"{path} holds no task directories (a task directory contains task.toml)"
        )
    return [load_task(child) for child in children]
