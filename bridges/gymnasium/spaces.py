"""Space descriptions: a JSON object per gymnasium space from which a client rebuilds it.

``describe_space(space)`` and ``build_space(description)`` are inverses:
``build_space(describe_space(s)) == s`` with identical dtypes, shapes and bounds. Every
description has a ``"type"`` naming the gymnasium class; the other keys are that class's
constructor arguments (bounds and vectors written with :mod:`.arrays`' number policy).
"""

from __future__ import annotations

from collections import OrderedDict
from typing import Any

import numpy as np
from envbridge.bridges.gymnasium.arrays import decode_array, encode_array
from envbridge.bridges.gymnasium.errors import SpaceValueError, UnsupportedSpace
from gymnasium import spaces


def describe_space(space: spaces.Space) -> dict[str, Any]:
    """The JSON description of ``space``; raises :class:`UnsupportedSpace` if it has none."""
    describe = _DESCRIBERS.get(type(space))
    if describe is None:
        raise UnsupportedSpace(space)
    return describe(space)


def build_space(description: dict[str, Any]) -> spaces.Space:
    """Rebuild the gymnasium space a description came from."""
    if not isinstance(description, dict) or description.get("type") not in _BUILDERS:
        raise SpaceValueError(
            f"not a space description (expected an object whose 'type' is one of "
            f"{sorted(_BUILDERS)}): {description!r}"
        )
    try:
        return _BUILDERS[description["type"]](description)
    except (KeyError, TypeError, ValueError, AssertionError) as exc:
        if isinstance(exc, SpaceValueError):
            raise
        raise SpaceValueError(f"invalid {description['type']} description: {exc}") from exc


def _describe_box(space: spaces.Box) -> dict[str, Any]:
    return {
        "type": "Box",
        "dtype": space.dtype.name,
        "shape": list(space.shape),
        "low": _compact(space.low),
        "high": _compact(space.high),
    }


def _compact(bounds: np.ndarray) -> Any:
    """One number when every entry is the same (sign of zero included), else nested lists."""
    if bounds.size:
        first = bounds.flat[0]
        same = bool((bounds == first).all())
        if same and bounds.dtype.kind == "f":
            same = bool((np.signbit(bounds) == np.signbit(first)).all())
        if same:
            return encode_array(first)
    return encode_array(bounds)


def _build_box(d: dict[str, Any]) -> spaces.Box:
    dtype = np.dtype(d["dtype"])
    shape = tuple(int(n) for n in d["shape"])
    low, high = (_bounds(d[key], dtype, shape) for key in ("low", "high"))
    return spaces.Box(low=low, high=high, shape=shape, dtype=dtype)


def _bounds(data: Any, dtype: np.dtype, shape: tuple[int, ...]) -> np.ndarray:
    if isinstance(data, list):
        return decode_array(data, dtype, shape)
    return np.full(shape, decode_array(data, dtype, ()), dtype=dtype)


def _describe_discrete(space: spaces.Discrete) -> dict[str, Any]:
    return {
        "type": "Discrete",
        "n": int(space.n),
        "start": int(space.start),
        "dtype": space.dtype.name,
    }


def _build_discrete(d: dict[str, Any]) -> spaces.Discrete:
    return spaces.Discrete(int(d["n"]), start=int(d["start"]), dtype=np.dtype(d["dtype"]))


def _describe_multi_discrete(space: spaces.MultiDiscrete) -> dict[str, Any]:
    return {
        "type": "MultiDiscrete",
        "nvec": encode_array(space.nvec),
        "start": encode_array(space.start),
        "dtype": space.dtype.name,
    }


def _build_multi_discrete(d: dict[str, Any]) -> spaces.MultiDiscrete:
    dtype = np.dtype(d["dtype"])
    nvec = np.array(d["nvec"], dtype=dtype)
    start = np.array(d["start"], dtype=dtype)
    return spaces.MultiDiscrete(nvec, dtype=dtype, start=start)


def _describe_multi_binary(space: spaces.MultiBinary) -> dict[str, Any]:
    n = space.n
    return {"type": "MultiBinary", "n": n if isinstance(n, int) else [int(k) for k in n]}


def _build_multi_binary(d: dict[str, Any]) -> spaces.MultiBinary:
    n = d["n"]
    return spaces.MultiBinary(n if isinstance(n, int) else [int(k) for k in n])


def _describe_text(space: spaces.Text) -> dict[str, Any]:
    return {
        "type": "Text",
        "min_length": int(space.min_length),
        "max_length": int(space.max_length),
        "charset": "".join(sorted(space.character_set)),
    }


def _build_text(d: dict[str, Any]) -> spaces.Text:
    return spaces.Text(
        int(d["max_length"]), min_length=int(d["min_length"]), charset=str(d["charset"])
    )


def _describe_tuple(space: spaces.Tuple) -> dict[str, Any]:
    return {"type": "Tuple", "spaces": [describe_space(s) for s in space.spaces]}


def _build_tuple(d: dict[str, Any]) -> spaces.Tuple:
    return spaces.Tuple([build_space(s) for s in d["spaces"]])


def _describe_dict(space: spaces.Dict) -> dict[str, Any]:
    for key in space.spaces:
        if not isinstance(key, str):
            raise UnsupportedSpace(space, f"key {key!r} is not a string")
    # A list of [key, description] pairs keeps the key order in every JSON reader.
    return {"type": "Dict", "spaces": [[k, describe_space(s)] for k, s in space.spaces.items()]}


def _build_dict(d: dict[str, Any]) -> spaces.Dict:
    return spaces.Dict(OrderedDict((str(k), build_space(s)) for k, s in d["spaces"]))


def _describe_sequence(space: spaces.Sequence) -> dict[str, Any]:
    return {"type": "Sequence", "space": describe_space(space.feature_space), "stack": space.stack}


def _build_sequence(d: dict[str, Any]) -> spaces.Sequence:
    return spaces.Sequence(build_space(d["space"]), stack=bool(d["stack"]))


def _describe_graph(space: spaces.Graph) -> dict[str, Any]:
    edge = space.edge_space
    return {
        "type": "Graph",
        "node_space": describe_space(space.node_space),
        "edge_space": None if edge is None else describe_space(edge),
    }


def _build_graph(d: dict[str, Any]) -> spaces.Graph:
    edge = d["edge_space"]
    return spaces.Graph(build_space(d["node_space"]), None if edge is None else build_space(edge))


def _describe_one_of(space: spaces.OneOf) -> dict[str, Any]:
    return {"type": "OneOf", "spaces": [describe_space(s) for s in space.spaces]}


def _build_one_of(d: dict[str, Any]) -> spaces.OneOf:
    return spaces.OneOf([build_space(s) for s in d["spaces"]])


_DESCRIBERS: dict[type, Any] = {
    spaces.Box: _describe_box,
    spaces.Discrete: _describe_discrete,
    spaces.MultiDiscrete: _describe_multi_discrete,
    spaces.MultiBinary: _describe_multi_binary,
    spaces.Text: _describe_text,
    spaces.Tuple: _describe_tuple,
    spaces.Dict: _describe_dict,
    spaces.Sequence: _describe_sequence,
    spaces.Graph: _describe_graph,
    spaces.OneOf: _describe_one_of,
}

_BUILDERS: dict[str, Any] = {
    "Box": _build_box,
    "Discrete": _build_discrete,
    "MultiDiscrete": _build_multi_discrete,
    "MultiBinary": _build_multi_binary,
    "Text": _build_text,
    "Tuple": _build_tuple,
    "Dict": _build_dict,
    "Sequence": _build_sequence,
    "Graph": _build_graph,
    "OneOf": _build_one_of,
}
