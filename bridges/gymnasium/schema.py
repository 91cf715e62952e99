"""JSON Schema (draft 2020-12) of a space's wire values, for ``/schema`` and the ``act`` tool.

The schema checks structure, types, shapes and the bounds JSON Schema can say simply
(uniform Box bounds, Discrete ranges, Text lengths and charset); ``space.contains`` stays
the final judge. Each schema names its space in ``title`` and carries the space's
description under ``x-gymnasium-space`` so a client can rebuild it.
"""

from __future__ import annotations

from typing import Any

import numpy as np
from envbridge.bridges.gymnasium.arrays import NON_FINITE
from envbridge.bridges.gymnasium.errors import UnsupportedSpace
from envbridge.bridges.gymnasium.spaces import describe_space
from gymnasium import spaces

Schema = dict[str, Any]


def space_schema(space: spaces.Space, *, strict: bool = False) -> Schema:
    """The schema of one value of ``space``, annotated with its description.

    ``strict`` (for actions): only values the space can contain, so NaN is refused and
    infinities are allowed only where a Box bound is infinite. Without it (for
    observations) every value the codec can send validates, NaN included.
    """
    schema = value_schema(space, strict=strict)
    return {"title": repr(space), **schema, "x-gymnasium-space": describe_space(space)}


def value_schema(space: spaces.Space, *, strict: bool = False) -> Schema:
    """The bare schema of one value of ``space`` (no title or description)."""
    build = _SCHEMAS.get(type(space))
    if build is None:
        raise UnsupportedSpace(space)
    return build(space, strict)


MAX_ELEMENTWISE_BOUNDS = 1024
"""Arrays with more entries and non-uniform bounds get their overall min and max instead."""


def _nested(shape: tuple[int, ...], leaf: Schema) -> Schema:
    """``leaf`` wrapped in one fixed-length array per dimension of ``shape``."""
    schema = leaf
    for length in reversed(shape):
        schema = {"type": "array", "items": schema, "minItems": length, "maxItems": length}
    return schema


def _bounded(shape: tuple[int, ...], low: np.ndarray, high: np.ndarray, leaf: Any) -> Schema:
    """Nested arrays whose entries are ``leaf(low, high)``, element by element if needed."""
    low, high = np.broadcast_to(low, shape), np.broadcast_to(high, shape)
    uniform = low.size and (low == low.flat[0]).all() and (high == high.flat[0]).all()
    if uniform or low.size > MAX_ELEMENTWISE_BOUNDS:
        return _nested(shape, leaf(low.min(), high.max()))
    return _elementwise(low, high, leaf)


def _elementwise(low: np.ndarray, high: np.ndarray, leaf: Any) -> Schema:
    if low.ndim == 0:
        return leaf(low[()], high[()])
    length = low.shape[0]
    return {
        "type": "array",
        "prefixItems": [_elementwise(low[i], high[i], leaf) for i in range(length)],
        "items": False,
        "minItems": length,
        "maxItems": length,
    }


def _number(dtype: np.dtype, low: Any, high: Any, strict: bool) -> Schema:
    """A scalar of ``dtype`` within finite ``low``/``high``, plus the non-finite spellings."""
    if dtype.kind == "b":
        return {"type": "boolean"}
    leaf: Schema = {"type": "integer" if dtype.kind in "iu" else "number"}
    if np.isfinite(low):
        leaf["minimum"] = low.item()
    if np.isfinite(high):
        leaf["maximum"] = high.item()
    if dtype.kind != "f":
        return leaf
    spellings = list(NON_FINITE)
    if strict:
        spellings = ["Infinity"] * bool(np.isposinf(high)) + ["-Infinity"] * bool(np.isneginf(low))
    return {"anyOf": [leaf, {"enum": spellings}]} if spellings else leaf


def _box(space: spaces.Box, strict: bool) -> Schema:
    return _bounded(
        space.shape, space.low, space.high, lambda lo, hi: _number(space.dtype, lo, hi, strict)
    )


def _multi_discrete(space: spaces.MultiDiscrete, strict: bool) -> Schema:
    top = space.start + space.nvec - 1
    return _bounded(
        space.shape, space.start, top, lambda lo, hi: _number(space.dtype, lo, hi, strict)
    )


def _multi_binary(space: spaces.MultiBinary, strict: bool) -> Schema:
    return _nested(space.shape, {"type": "integer", "enum": [0, 1]})


def _discrete(space: spaces.Discrete, strict: bool) -> Schema:
    start = int(space.start)
    return {"type": "integer", "minimum": start, "maximum": start + int(space.n) - 1}


def _text(space: spaces.Text, strict: bool) -> Schema:
    chars = "".join(sorted(space.character_set))
    return {
        "type": "string",
        "minLength": int(space.min_length),
        "maxLength": int(space.max_length),
        "pattern": f"^[{_class_escape(chars)}]*$",
    }


def _class_escape(chars: str) -> str:
    """Characters escaped for use inside an ECMA-262 regex character class."""
    return "".join("\\" + c if c in "\\]^-[" else c for c in chars)


def _tuple(space: spaces.Tuple, strict: bool) -> Schema:
    count = len(space.spaces)
    return {
        "type": "array",
        "prefixItems": [value_schema(s, strict=strict) for s in space.spaces],
        "items": False,
        "minItems": count,
        "maxItems": count,
    }


def _dict(space: spaces.Dict, strict: bool) -> Schema:
    return {
        "type": "object",
        "properties": {key: value_schema(s, strict=strict) for key, s in space.spaces.items()},
        "required": list(space.spaces),
        "additionalProperties": False,
    }


def _sequence(space: spaces.Sequence, strict: bool) -> Schema:
    return {"type": "array", "items": value_schema(space.feature_space, strict=strict)}


def _graph(space: spaces.Graph, strict: bool) -> Schema:
    link: Schema = {"type": "array", "items": {"type": "integer", "minimum": 0}}
    link |= {"minItems": 2, "maxItems": 2}
    edge = space.edge_space
    return {
        "type": "object",
        "properties": {
            "nodes": {"type": "array", "items": value_schema(space.node_space, strict=strict)},
            "edges": _nullable_list(None if edge is None else value_schema(edge, strict=strict)),
            "edge_links": _nullable_list(None if edge is None else link),
        },
        "required": ["nodes", "edges", "edge_links"],
        "additionalProperties": False,
    }


def _nullable_list(item: Schema | None) -> Schema:
    if item is None:
        return {"type": "null"}
    return {"anyOf": [{"type": "null"}, {"type": "array", "items": item}]}


def _one_of(space: spaces.OneOf, strict: bool) -> Schema:
    count = len(space.spaces)
    choices = [
        {"prefixItems": [{"const": i}, value_schema(s, strict=strict)]}
        for i, s in enumerate(space.spaces)
    ]
    return {
        "type": "array",
        "prefixItems": [{"type": "integer", "minimum": 0, "maximum": count - 1}, {}],
        "items": False,
        "minItems": 2,
        "maxItems": 2,
        "anyOf": choices,
    }


_SCHEMAS: dict[type, Any] = {
    spaces.Box: _box,
    spaces.MultiDiscrete: _multi_discrete,
    spaces.MultiBinary: _multi_binary,
    spaces.Discrete: _discrete,
    spaces.Text: _text,
    spaces.Tuple: _tuple,
    spaces.Dict: _dict,
    spaces.Sequence: _sequence,
    spaces.Graph: _graph,
    spaces.OneOf: _one_of,
}
