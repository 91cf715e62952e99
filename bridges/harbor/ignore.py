"""``.harborignore``: gitignore-style patterns that keep files of ``tests/`` out of the sandbox.

Patterns match paths relative to the task directory (``tests/fixtures/*.bin``) or, like
gitignore, bare names anywhere (``__pycache__/``, ``*.pyc``).
"""

from __future__ import annotations

import contextlib
import shutil
import tempfile
from collections.abc import Iterator
from pathlib import Path

import pathspec
from envbridge.bridges.harbor.task import Task


@contextlib.contextmanager
def uploadable_tests(task: Task) -> Iterator[Path]:
    """``tests/`` as it should reach the sandbox: a filtered copy when .harborignore exists."""
    ignore_file = task.path / ".harborignore"
    if not ignore_file.is_file():
        yield task.tests_dir
        return
    spec = pathspec.GitIgnoreSpec.from_lines(ignore_file.read_text().splitlines())
    with tempfile.TemporaryDirectory(prefix="envbridge-harbor-tests-") as folder:
        copy = Path(folder) / "tests"
        copy.mkdir()
        copy.chmod(task.tests_dir.stat().st_mode & 0o777)
        for path in sorted(task.tests_dir.rglob("*")):
            relative = path.relative_to(task.path).as_posix()
            if spec.match_file(relative + ("/" if path.is_dir() else "")):
                continue
            if any(spec.match_file(parent.as_posix() + "/") for parent in Path(relative).parents):
                continue
            target = copy / path.relative_to(task.tests_dir)
            if path.is_dir():
                target.mkdir(exist_ok=True)
            else:
                target.parent.mkdir(parents=True, exist_ok=True)
                shutil.copy2(path, target)
        yield copy
