"""Numeric arrays on the wire: nested JSON lists, exact for every numpy integer and float.

Policy (stated once, used everywhere):

* The dtype and shape are NOT sent with each value; they come from the space description.
* Integers travel as JSON integers, so int64 and uint64 are exact end to end.
* Floats travel as JSON numbers written with Python's shortest round-trip ``repr``, so a
  float64 comes back bit for bit and a float16/float32 comes back exactly once cast to
  its dtype (``-0.0`` keeps its sign).
* JSON has no NaN or infinities: they travel as the strings ``"NaN"``, ``"Infinity"`` and
  ``"-Infinity"`` (the spellings of JavaScript and of Python's ``json``). Every NaN decodes
  to the canonical quiet NaN (NaN payload bits are not kept).
* A scalar (shape ``()``) is a bare JSON number; booleans are JSON ``true``/``false``.
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np
from envbridge.bridges.gymnasium.errors import SpaceValueError

NON_FINITE = {"NaN": math.nan, "Infinity": math.inf, "-Infinity": -math.inf}
"""The wire spelling of each non-finite float."""

Shape = tuple[int | None, ...]
"""An expected shape; ``None`` marks a dimension of any length (graph nodes, edges)."""


def encode_float(x: float) -> float | str:
    """A Python float as JSON: itself when finite, else its non-finite spelling."""
    if math.isfinite(x):
        return x
    if math.isnan(x):
        return "NaN"
    return "Infinity" if x > 0 else "-Infinity"


def encode_array(array: np.ndarray) -> Any:
    """A numpy array (or scalar) as nested JSON lists of exact Python numbers."""
    array = np.asarray(array)
    if array.dtype.kind == "f" and not np.isfinite(array).all():
        spelled = array.astype(object)
        spelled[np.isnan(array)] = "NaN"
        spelled[np.isposinf(array)] = "Infinity"
        spelled[np.isneginf(array)] = "-Infinity"
        return spelled.tolist()
    return array.tolist()


def decode_array(data: Any, dtype: np.dtype, shape: Shape, path: tuple = ()) -> np.ndarray:
    """Rebuild an array of ``dtype`` and ``shape`` from its JSON form, or say what is wrong."""
    plain = _plain_array(data, path)
    if plain.size == 0:
        array = plain.astype(dtype)
    elif dtype.kind == "b":
        array = _bool_array(plain, data, path)
    elif dtype.kind in "iu":
        array = _integer_array(plain, data, dtype, path)
    elif dtype.kind == "f":
        array = _float_array(plain, data, dtype, path)
    else:
        raise SpaceValueError(f"dtype {dtype} cannot travel on the wire", path)
    _check_shape(array.shape, shape, path, data)
    return array


def _check_shape(actual: tuple[int, ...], expected: Shape, path: tuple, data: Any) -> None:
    fits = len(actual) == len(expected) and all(
        want is None or want == got for got, want in zip(actual, expected, strict=True)
    )
    if not fits and not expected:
        raise SpaceValueError(f"expected a single number, got shape {actual}", path, data)
    if not fits:
        wanted = "(" + ", ".join("n" if d is None else str(d) for d in expected) + ")"
        raise SpaceValueError(
            f"expected nested lists of shape {wanted}, got shape {actual}", path, data
        )


def _plain_array(data: Any, path: tuple) -> np.ndarray:
    try:
        return np.array(data)
    except (ValueError, TypeError, OverflowError) as exc:
        raise SpaceValueError(f"not a rectangular array of numbers ({exc})", path, data) from None


def _bool_array(array: np.ndarray, data: Any, path: tuple) -> np.ndarray:
    if array.dtype.kind != "b":
        raise SpaceValueError("expected booleans (true/false)", path, data)
    return array


def _integer_array(array: np.ndarray, data: Any, dtype: np.dtype, path: tuple) -> np.ndarray:
    if array.dtype.kind in "fO":  # mixed or huge integers: numpy may have gone via float64
        array = np.array(_exact_integers(data, path), dtype=object)  # Python ints are exact
    if array.dtype.kind not in "iuO":
        raise SpaceValueError(f"expected integers for dtype {dtype}", path, data)
    info = np.iinfo(dtype)
    if int(array.min()) < info.min or int(array.max()) > info.max:
        raise SpaceValueError(
            f"integers must lie in [{info.min}, {info.max}] for dtype {dtype}", path, data
        )
    return array.astype(dtype)


def _exact_integers(data: Any, path: tuple) -> Any:
    """Nested lists with integral floats turned into exact ints; anything else rejected."""
    if isinstance(data, list):
        return [_exact_integers(item, (*path, i)) for i, item in enumerate(data)]
    if isinstance(data, bool) or not isinstance(data, int | float):
        raise SpaceValueError(f"expected an integer, got {data!r}", path, data)
    if isinstance(data, float):
        if not data.is_integer():
            raise SpaceValueError(f"expected an integer, got {data!r}", path, data)
        return int(data)
    return data


def _float_array(array: np.ndarray, data: Any, dtype: np.dtype, path: tuple) -> np.ndarray:
    if array.dtype.kind not in "iuf":
        array = _plain_array(_spelled_floats(data, path), path)
    return array.astype(dtype)


def _spelled_floats(data: Any, path: tuple) -> Any:
    """Nested lists with ``"NaN"``/``"Infinity"``/``"-Infinity"`` turned into floats."""
    if isinstance(data, list):
        return [_spelled_floats(item, (*path, i)) for i, item in enumerate(data)]
    if isinstance(data, str) and data in NON_FINITE:
        return NON_FINITE[data]
    if isinstance(data, bool) or not isinstance(data, int | float):
        raise SpaceValueError(
            f'expected a number (or "NaN", "Infinity", "-Infinity"), got {data!r}', path, data
        )
    return float(data)
