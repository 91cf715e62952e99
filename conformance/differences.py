"""Where two JSON values first differ, for failure messages that name the field."""

from __future__ import annotations

from typing import Any

SHOWN = 40
"""Characters of each differing value a message shows."""

NONDETERMINISTIC_HINT = (
    "a stochastic environment may pass --nondeterministic (or say "
    '"deterministic": false in /metadata) to skip the determinism checks'
)


def _show(value: Any) -> str:
    text = repr(value)
    return text if len(text) <= SHOWN else text[: SHOWN - 3] + "..."


def _around(left: str, right: str) -> tuple[str, str]:
    """Both strings cut to a window around their first differing character."""
    start = max(0, _first(left, right) - 10)

    def cut(text: str) -> str:
        window = text[start : start + SHOWN - 10]
        return (
            ("..." if start else "") + window + ("..." if start + len(window) < len(text) else "")
        )

    return cut(left), cut(right)


def _first(left: str, right: str) -> int:
    """Index of the first character where the strings differ (or the shorter's length)."""
    pairs = enumerate(zip(left, right, strict=False))
    return next((i for i, (a, b) in pairs if a != b), min(len(left), len(right)))


def _join(path: str, key: Any) -> str:
    if isinstance(key, int):
        return f"{path}[{key}]"
    return f"{path}.{key}" if path else str(key)


def first_difference(left: Any, right: Any, path: str = "") -> str | None:
    """The first place where ``left`` and ``right`` differ (``None`` when equal).

    Dicts are walked key by key (in ``left``'s order, then keys only ``right`` has), lists
    index by index; anything else is compared whole. The answer reads like
    ``observation.result.execution_time: 0.0003 != 0.0002``.
    """
    where = path or "(root)"
    if isinstance(left, dict) and isinstance(right, dict):
        for key in [*left, *(k for k in right if k not in left)]:
            if key not in right:
                return f"{_join(path, key)}: only in the first"
            if key not in left:
                return f"{_join(path, key)}: only in the second"
            found = first_difference(left[key], right[key], _join(path, key))
            if found is not None:
                return found
        return None
    if isinstance(left, list) and isinstance(right, list):
        for index, (a, b) in enumerate(zip(left, right, strict=False)):
            found = first_difference(a, b, _join(path, index))
            if found is not None:
                return found
        if len(left) != len(right):
            return f"{where}: {len(left)} items != {len(right)} items"
        return None
    if left == right:  # the checks' own equality: 1 == 1.0
        return None
    if isinstance(left, str) and isinstance(right, str) and max(len(left), len(right)) > SHOWN:
        shown_left, shown_right = _around(left, right)
        return f"{where}: {shown_left!r} != {shown_right!r} (from character {_first(left, right)})"
    return f"{where}: {_show(left)} != {_show(right)}"
