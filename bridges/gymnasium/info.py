"""``info`` dicts on the wire. They have no space, so numpy values carry their own type.

* Plain JSON values (str, int, bool, None, finite floats) travel as themselves; tuples
  become lists and non-string dict keys become strings.
* A numpy array travels as ``{"__ndarray__": <nested lists>, "dtype": "int8", "shape": [6]}``
  and comes back with that dtype and shape (Taxi's ``action_mask``, for example).
* numpy scalars become the Python number of the same value; a non-finite float becomes
  ``{"__float__": "NaN" | "Infinity" | "-Infinity"}``.
* Anything else travels as its ``repr`` string (and stays a string on the client).
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np
from envbridge.bridges.gymnasium.arrays import NON_FINITE, decode_array, encode_array

ARRAY_TAG = "__ndarray__"
FLOAT_TAG = "__float__"


def encode_info(value: Any) -> Any:
    """A JSON form of an info value (usually the whole ``info`` dict)."""
    if type(value) is dict and not value:  # most steps' info
        return {}
    if value is None or isinstance(value, bool | int | str):
        return value
    if isinstance(value, float):
        return value if math.isfinite(value) else {FLOAT_TAG: encode_array(np.float64(value))}
    if isinstance(value, dict):
        return {str(key): encode_info(item) for key, item in value.items()}
    if isinstance(value, list | tuple):
        return [encode_info(item) for item in value]
    if isinstance(value, np.ndarray) and value.dtype.kind in "biuf":
        shape = list(value.shape)
        return {ARRAY_TAG: encode_array(value), "dtype": value.dtype.name, "shape": shape}
    if isinstance(value, np.generic) and value.dtype.kind in "biuf":
        return encode_info(value.item())
    return repr(value)


def decode_info(data: Any) -> Any:
    """Undo :func:`encode_info` (arrays and non-finite floats come back as themselves)."""
    if isinstance(data, list):
        return [decode_info(item) for item in data]
    if not isinstance(data, dict):
        return data
    if set(data) == {ARRAY_TAG, "dtype", "shape"}:
        dtype = np.dtype(data["dtype"])
        return decode_array(data[ARRAY_TAG], dtype, tuple(data["shape"]))
    if set(data) == {FLOAT_TAG} and data[FLOAT_TAG] in NON_FINITE:
        return NON_FINITE[data[FLOAT_TAG]]
    return {key: decode_info(item) for key, item in data.items()}
