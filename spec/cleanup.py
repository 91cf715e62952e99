"""What the server must remove before the process ends: temp folders, subprocesses,
containers.

Environments normally remove their own resources in ``close()``. A stuck environment
never gets there, and a process ended by SIGTERM skips ``atexit``; so whatever a bridge
creates it also registers here, and the server runs every registered action at shutdown
(after the sessions had their chance to close), at interpreter exit, and from the
shutdown watchdog before a forced exit. Each action runs at most once; a failing action
is logged, never raised.
"""

from __future__ import annotations

import atexit
import itertools
import logging
import os
import shutil
import signal
import subprocess
import threading
from collections.abc import Callable
from pathlib import Path

log = logging.getLogger("envbridge.cleanup")

_lock = threading.Lock()
_ids = itertools.count()
_actions: dict[int, tuple[str, Callable[[], None]]] = {}


class Registration:
    """One registered action; :meth:`done` forgets it once the owner cleaned up itself."""

    __slots__ = ("id",)

    def __init__(self, action_id: int):
        self.id = action_id

    def done(self) -> None:
        """The owner removed the resource: nothing left to do at shutdown."""
        with _lock:
            _actions.pop(self.id, None)

    def run_now(self) -> None:
        """Run the action now (once) and forget it."""
        with _lock:
            entry = _actions.pop(self.id, None)
        if entry is not None:
            _run(*entry)


def register(description: str, action: Callable[[], None]) -> Registration:
    """Run ``action`` at shutdown unless :meth:`Registration.done` is called first."""
    action_id = next(_ids)
    with _lock:
        _actions[action_id] = (description, action)
    return Registration(action_id)


def remove_dir(path: str | os.PathLike[str]) -> Registration:
    """Remove the folder ``path`` (and everything in it) at shutdown."""
    folder = Path(path)
    return register(f"remove {folder}", lambda: shutil.rmtree(folder, ignore_errors=True))


def kill_process(process: subprocess.Popen, *, group: bool = False) -> Registration:
    """SIGKILL ``process`` (its whole process group with ``group=True``) and reap it."""

    def kill() -> None:
        if process.poll() is not None:
            return
        try:
            if group:
                os.killpg(process.pid, signal.SIGKILL)
            else:
                process.kill()
        except (ProcessLookupError, PermissionError):
            pass
        try:
            process.wait(timeout=5)
        except subprocess.TimeoutExpired:
            log.warning("process %d did not die after SIGKILL", process.pid)

    return register(f"kill process {process.pid}", kill)


def pending() -> list[str]:
    """Descriptions of the actions still registered."""
    with _lock:
        return [description for description, _ in _actions.values()]


def run_all() -> int:
    """Run every registered action once (newest first); returns how many ran."""
    with _lock:
        entries = sorted(_actions.items(), reverse=True)
        _actions.clear()
    for _, (description, action) in entries:
        _run(description, action)
    return len(entries)


def _run(description: str, action: Callable[[], None]) -> None:
    try:
        action()
    except Exception:
        log.warning("cleanup %r failed", description, exc_info=True)


atexit.register(run_all)
