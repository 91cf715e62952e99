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


def space_schema(space: spaces.Space) -> Schema:
    """The schema of one value of ``space``, annotated with its description."""
    schema = value_schema(space)
    return {"title": repr(space), **schema, "x-gymnasium-space": describe_space(space)}


def value_schema(space: spaces.Space) -> Schema:
    """The bare schema of one value of ``space`` (no title or description)."""
    build = _SCHEMAS.get(type(space))
    if build is None:
        raise UnsupportedSpace(space)
    return build(space)


def _nested(shape: tuple[int, ...], leaf: Schema) -> Schema:
    """``leaf`` wrapped in one fixed-length array per dimension of ``shape``."""
    schema = leaf
    for length in reversed(shape):
        schema = {"type": "array", "items": schema, "minItems": length, "maxItems": length}
    return schema


def _number(dtype: np.dtype, low: Any = None, high: Any = None) -> Schema:
    """A scalar of ``dtype``, with bounds when they are uniform and finite."""
    if dtype.kind == "b":
        return {"type": "boolean"}
    leaf: Schema = {"type": "integer" if dtype.kind in "iu" else "number"}
    if low is not None and np.isfinite(low):
        leaf["minimum"] = low.item()
    if high is not None and np.isfinite(high):
        leaf["maximum"] = high.item()
    if dtype.kind == "f":
        return {"anyOf": [leaf, {"enum": list(NON_FINITE)}]}
    return leaf


def _uniform(bounds: np.ndarray) -> Any:
    return bounds.flat[0] if bounds.size and (bounds == bounds.flat[0]).all() else None


def _box(space: spaces.Box) -> Schema:
    leaf = _number(space.dtype, _uniform(space.low), _uniform(space.high))
    return _nested(space.shape, leaf)


def _multi_discrete(space: spaces.MultiDiscrete) -> Schema:
    top = space.start + space.nvec - 1
    return _nested(space.shape, _number(space.dtype, _uniform(space.start), _uniform(top)))


def _multi_binary(space: spaces.MultiBinary) -> Schema:
    return _nested(space.shape, {"type": "integer", "enum": [0, 1]})


def _discrete(space: spaces.Discrete) -> Schema:
    start = int(space.start)
    return {"type": "integer", "minimum": start, "maximum": start + int(space.n) - 1}


def _text(space: spaces.Text) -> Schema:
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


def _tuple(space: spaces.Tuple) -> Schema:
    count = len(space.spaces)
    return {
        "type": "array",
        "prefixItems": [value_schema(s) for s in space.spaces],
        "items": False,
        "minItems": count,
        "maxItems": count,
    }


def _dict(space: spaces.Dict) -> Schema:
    return {
        "type": "object",
        "properties": {key: value_schema(s) for key, s in space.spaces.items()},
        "required": list(space.spaces),
        "additionalProperties": False,
    }


def _sequence(space: spaces.Sequence) -> Schema:
    return {"type": "array", "items": value_schema(space.feature_space)}


def _graph(space: spaces.Graph) -> Schema:
    link = {"type": "array", "items": {"type": "integer", "minimum": 0}}
    link |= {"minItems": 2, "maxItems": 2}
    has_edges = space.edge_space is not None
    return {
        "type": "object",
        "properties": {
            "nodes": {"type": "array", "items": value_schema(space.node_space)},
            "edges": _nullable_list(value_schema(space.edge_space) if has_edges else None),
            "edge_links": _nullable_list(link if has_edges else None),
        },
        "required": ["nodes", "edges", "edge_links"],
        "additionalProperties": False,
    }


def _nullable_list(item: Schema | None) -> Schema:
    if item is None:
        return {"type": "null"}
    return {"anyOf": [{"type": "null"}, {"type": "array", "items": item}]}


def _one_of(space: spaces.OneOf) -> Schema:
    count = len(space.spaces)
    choices = [{"prefixItems": [{"const": i}, value_schema(s)]} for i, s in enumerate(space.spaces)]
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
