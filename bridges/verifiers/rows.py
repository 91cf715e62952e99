"""Which dataset row an episode plays: by task index, by seed, or at random.

``reset(options={"task_index": i})`` picks row ``i``; ``reset(seed=s)`` picks the same
row for the same seed every time; ``options["split"]`` chooses a split (``"train"`` by
default; classic environments also have ``"eval"``).
"""

from __future__ import annotations

import random
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from envbridge.spec.environment import InvalidAction

RESET_OPTIONS = ("task_index", "split")


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
    index = options.get("task_index")
    if index is not None:
        if not isinstance(index, int) or isinstance(index, bool) or not 0 <= index < size:
            raise _invalid("task_index", f"task_index must be an integer in [0, {size - 1}]", index)
    elif seed is not None:
        index = random.Random(seed).randrange(size)
    else:
        index = random.randrange(size)
    return RowChoice(split, index, dataset[index])
