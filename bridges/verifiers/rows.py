"""Which dataset row an episode plays: by task index, by seed, or at random.

``reset(options={"task_index": i})`` (or the Task API's ``index``) picks row ``i``;
``reset(seed=s)`` picks the same row for the same seed every time; ``options["split"]``
chooses a split (``"train"`` by default; classic environments with an eval dataset also
have ``"test"``). The same splits are listed over OpenEnv's Task API (:func:`task_spec`).
"""

from __future__ import annotations

import random
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from envbridge.spec.environment import InvalidAction

RESET_OPTIONS = ("task_index", "index", "split")

MODEL_OUTPUT_COLUMNS = frozenset(
    {"completion", "responses", "reward", "rewards", "state", "metrics"}
)
"""Columns a task spec never carries (they hold a model's output, not the task)."""


@dataclass(frozen=True, slots=True)
class RowChoice:
    """The split and row index an episode plays, and the row itself."""

    split: str
    index: int
    row: Any


def _invalid(field: str, message: str, value: Any) -> InvalidAction:
    return InvalidAction(
        message,
        [{"type": "value_error", "loc": ["options", field], "msg": message, "input": value}],
    )


Splits = Mapping[str, Callable[[], Sequence[Any]]]
"""Split name -> a function returning that split's rows (read lazily)."""


def choose_row(splits: Splits, seed: int | None, options: dict[str, Any]) -> RowChoice:
    """Pick the row for a reset; raises :class:`InvalidAction` on bad options."""
    unknown = sorted(set(options) - set(RESET_OPTIONS))
    if unknown:
        raise _invalid(
            unknown[0],
            f"unknown reset option(s) {unknown}; the verifiers bridge accepts "
            f"{list(RESET_OPTIONS)} (and seed)",
            options[unknown[0]],
        )
    split = options.get("split", "train")
    if split not in splits:
        raise _invalid("split", f"split must be one of {list(splits)}", split)
    dataset = splits[split]()
    size = len(dataset)
    if size == 0:
        raise _invalid("split", f"the {split} dataset is empty", split)
    index = options.get("task_index", options.get("index"))
    field = "task_index" if "task_index" in options else "index"
    if index is not None:
        if not isinstance(index, int) or isinstance(index, bool) or not 0 <= index < size:
            raise _invalid(field, f"{field} must be an integer in [0, {size - 1}]", index)
    elif seed is not None:
        index = random.Random(seed).randrange(size)
    else:
        index = random.randrange(size)
    return RowChoice(split, index, dataset[index])


def task_spec(row: Any, index: int, example_id: Any) -> dict[str, Any]:
    """A dataset row as the Task API lists it: its id and index, then the row's own
    columns (prompt, answer, info, task, ...), never model output."""
    from envbridge.spec.tasks import to_json_value

    fields = row.items() if isinstance(row, Mapping) else (to_json_value(row) or {}).items()
    spec = {"id": example_id, "index": index}
    spec.update((k, to_json_value(v)) for k, v in fields if k not in MODEL_OUTPUT_COLUMNS)
    return spec
