"""The broken twins of the Task API checks (``conformance/checks/tasks.py``).

:class:`ReferenceTaskCounter` is the healthy reference counter with tasks (two splits
of seed-like tasks; ``reset(split, index)`` starts the count at the task's start). Each
class below breaks exactly one rule, in the environment or on the wire.
"""

from __future__ import annotations

import itertools
from typing import Any

from envbridge.conformance.broken.middleware import Connection, Defect, dumps, loads
from envbridge.conformance.broken.reference_env import ReferenceCounter
from envbridge.spec import Observation
from envbridge.spec.tasks import task_selection

SPLITS = {"train": 6, "test": 3}


def _task(split: str, index: int) -> dict[str, Any]:
    return {"id": f"{split}-{index}", "start": (index * 3 + len(split)) % 5}


class ReferenceTaskCounter(ReferenceCounter):
    """Healthy: the reference counter plus a Task API (train: 6 tasks, test: 3)."""

    def list_splits(self) -> list[Any]:
        return list(SPLITS)

    def list_tasks(self, split: str) -> list[Any]:
        return [_task(split, i) for i in range(SPLITS[split])]

    def reset(self, *, seed=None, episode_id=None, options=None) -> Observation:
        selected = task_selection(options)
        if selected is None:
            return super().reset(seed=seed, episode_id=episode_id, options=options)
        self.count = _task(*selected)["start"]
        self.last_delta = 0
        return Observation({"count": self.count, "last_delta": 0})


class DisagreeingTaskCounter(ReferenceTaskCounter):
    """get_task answers another task than the listing holds at that index."""

    def get_task(self, split: str, index: int) -> Any:
        return _task(split, (index + 1) % SPLITS[split])

    def get_task_range(self, split: str, start=None, stop=None) -> list[Any]:
        return self.list_tasks(split)[start:stop]


class InclusiveRangeCounter(ReferenceTaskCounter):
    """task_range includes its stop index (``tasks[start:stop + 1]``)."""

    def get_task_range(self, split: str, start=None, stop=None) -> list[Any]:
        tasks = self.list_tasks(split)
        end = None if stop is None or stop == -1 else stop + 1
        return tasks[start:end]


class NonceTaskCounter(ReferenceTaskCounter):
    """A task reset shows a fresh nonce in its first observation."""

    _nonces = itertools.count()

    def reset(self, *, seed=None, episode_id=None, options=None) -> Observation:
        first = super().reset(seed=seed, episode_id=episode_id, options=options)
        if task_selection(options) is not None:
            first.observation["nonce"] = next(self._nonces)
        return first


class EnvListAsObject(Defect):
    """/list_environments answers an object instead of a list of names."""

    def http_response(
        self, path: str, request: bytes, status: int, body: bytes
    ) -> tuple[int, bytes]:
        if path.rstrip("/") == "/list_environments" and status == 200:
            return status, dumps({"environments": loads(body)}).encode()
        return status, body


class SplitsAsStrings(Defect):
    """/{env}/splits answers bare names instead of {"name", "type"} objects."""

    def http_response(
        self, path: str, request: bytes, status: int, body: bytes
    ) -> tuple[int, bytes]:
        value = loads(body)
        if path.endswith("/splits") and status == 200 and isinstance(value, list):
            return status, dumps([split["name"] for split in value]).encode()
        return status, body


class BadIndexIsServerError(Defect):
    """An out-of-range task index answers 500 instead of 400."""

    def http_response(
        self, path: str, request: bytes, status: int, body: bytes
    ) -> tuple[int, bytes]:
        return (500 if path.endswith("/task") and status == 400 else status), body


class MissingTasksAnswer200(Defect):
    """Without tasks, the POST task routes answer 200 with empty results instead of 501."""

    def http_response(
        self, path: str, request: bytes, status: int, body: bytes
    ) -> tuple[int, bytes]:
        if status == 501 and not path.endswith("/splits"):
            return 200, dumps({"tasks": [], "num_tasks": 0, "task": None}).encode()
        return status, body


class BadTaskResetIsExecutionError(Defect):
    """A reset onto a missing task answers EXECUTION_ERROR instead of VALIDATION_ERROR."""

    def ws_out(self, conn: Connection, text: str) -> str | int:
        frame = loads(text)
        sent = conn.last_in if isinstance(conn.last_in, dict) else {}
        data = sent.get("data") if isinstance(sent.get("data"), dict) else {}
        if (
            isinstance(frame, dict)
            and frame.get("type") == "error"
            and sent.get("type") == "reset"
            and "split" in data
        ):
            return dumps({**frame, "data": {**frame["data"], "code": "EXECUTION_ERROR"}})
        return text
