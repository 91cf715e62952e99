"""The tasks of the sample quiz, as plain Python (no envbridge, no OpenEnv imports).

Three splits: ``train`` (100,000 tasks, each computed from its index, never stored),
``test`` (5 tasks) and ``dev`` (3 tasks; a name that is not a standard split type, so
the Task API reports it as ``validation``). A task spec carries the question, never
the answer; ``train`` is listed as a preview of its first 100 tasks. Both the
envbridge quiz (``envs.native.quiz``) and the OpenEnv-library quiz
(``envs.openenv_native.quiz_app``) serve exactly these tasks.
"""

from __future__ import annotations

from typing import Any

SPLITS = ("train", "test", "dev")
SIZES = {"train": 100_000, "test": 5, "dev": 3}
_OFFSET = {"train": 0, "test": 7, "dev": 13}


def _operands(split: str, index: int) -> tuple[int, int]:
    base = index + _OFFSET[split]
    return base % 97, (base * 31 + 5) % 89


def task(split: str, index: int) -> dict[str, Any]:
    """Task ``index`` of ``split``; raises IndexError out of range (negatives too)."""
    if split not in SIZES:
        raise KeyError(f"unknown split {split!r}")
    if not 0 <= index < SIZES[split]:
        raise IndexError(index)
    a, b = _operands(split, index)
    return {"id": f"{split}-{index}", "index": index, "question": f"What is {a} + {b}?"}


PREVIEW = 100
"""``list_tasks("train")`` answers the first 100 tasks only (OpenEnv allows a bounded
preview of a streamed split; ``num_tasks`` stays exact)."""


def listed(split: str) -> list[dict[str, Any]]:
    """What ``list_tasks(split)`` answers."""
    return [task(split, i) for i in range(min(SIZES[split], PREVIEW))]


def answer(split: str, index: int) -> int:
    """The reference answer of a task (kept out of the task spec)."""
    a, b = _operands(split, index)
    return a + b
