"""Values of a space on the wire: ``encode_value`` to JSON, ``decode_value`` back, exactly.

The space (never the value) carries dtype and shape, so values stay plain JSON:

========================  =====================================================
space                     wire value
========================  =====================================================
Box, MultiDiscrete,       nested lists (a bare number for shape ``()``), numbers
MultiBinary               per :mod:`.arrays` (non-finite floats as strings)
Discrete                  an integer
Text                      a string
Tuple                     a list, one entry per subspace
Dict                      an object with exactly the space's keys
Sequence                  a list of element values (stacked or not)
Graph                     ``{"nodes": [...], "edges": [...], "edge_links": [[i, j]]}``
                          (edges and edge_links both null for a graph without edges)
OneOf                     ``[index, value]``
========================  =====================================================

``decode_value`` raises :class:`SpaceValueError` (with a path to the bad part) when a
value does not have the space's structure; whether it lies *inside* the space (bounds,
charset) is ``space.contains``' job.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import partial
from typing import Any

import numpy as np
from envbridge.bridges.gymnasium.arrays import decode_array, encode_array
from envbridge.bridges.gymnasium.errors import SpaceValueError, UnsupportedSpace
from gymnasium import spaces
from gymnasium.vector.utils import concatenate, create_empty_array, iterate

EDGE_LINK_DTYPE = np.dtype(np.int32)
"""dtype of decoded graph ``edge_links`` (the one ``Graph.sample`` produces)."""


def encode_value(space: spaces.Space, value: Any) -> Any:
    """The JSON form of ``value``, an element of ``space``."""
    return _codec(space)[0](space, value)


def decode_value(space: spaces.Space, data: Any) -> Any:
    """The element of ``space`` whose JSON form is ``data``."""
    return _codec(space)[1](space, data)


MISS: Any = object()
"""What a :func:`member_decoder` returns when its cheap path cannot vouch for a value."""


def value_encoder(space: spaces.Space) -> Callable[[Any], Any]:
    """``encode_value`` for one space, built once: same output and errors, less work per call.

    Arrays already in the space's dtype and shape skip the checks and casts; anything
    else takes :func:`encode_value`'s path (which raises the usual errors).
    """
    _codec(space)  # UnsupportedSpace now, not at the first value
    kind = type(space)
    if kind in (spaces.Box, spaces.MultiDiscrete, spaces.MultiBinary):
        return _array_encoder(space)
    if kind is spaces.Tuple:
        subs = [value_encoder(s) for s in space.spaces]
        return lambda value: [enc(v) for enc, v in zip(subs, value, strict=True)]
    if kind is spaces.Dict:
        items = [(key, value_encoder(s)) for key, s in space.spaces.items()]
        return lambda value: {key: enc(value[key]) for key, enc in items}
    return partial(_codec(space)[0], space)


def _array_encoder(space: spaces.Space) -> Callable[[Any], Any]:
    dtype, shape = np.dtype(space.dtype), space.shape
    slow = partial(_encode_array_space, space)
    if dtype.kind != "f":

        def encode_exact(value: Any) -> Any:
            if type(value) is np.ndarray and value.dtype == dtype and value.shape == shape:
                return value.tolist()
            return slow(value)

        return encode_exact
    flat = len(shape) == 1

    def encode_floats(value: Any) -> Any:
        if type(value) is np.ndarray and value.dtype == dtype and value.shape == shape:
            if flat:
                out = value.tolist()
                total = sum(out)
                if total - total == 0:  # every entry finite (NaN/inf, or overflow: slow path)
                    return out
            elif np.isfinite(value).all():
                return value.tolist()
        return slow(value)

    return encode_floats


def member_decoder(space: spaces.Space) -> Callable[[Any], Any]:
    """A cheap ``data -> element`` for one space that also proves ``space.contains``.

    Returns :data:`MISS` whenever it cannot vouch for ``data`` (the caller then takes
    :func:`decode_value` and ``space.contains``, which produce the errors). Only spaces
    whose membership is a plain comparison have a cheap path (Discrete).
    """
    if type(space) is spaces.Discrete:
        low, high = int(space.start), int(space.start + space.n)
        make = np.dtype(space.dtype).type

        def discrete(data: Any) -> Any:
            if type(data) is int and low <= data < high:
                return make(data)
            return MISS

        return discrete
    return lambda data: MISS


def _codec(space: spaces.Space) -> tuple[Callable[..., Any], Callable[..., Any]]:
    try:
        return _CODECS[type(space)]
    except KeyError:
        raise UnsupportedSpace(space) from None


def _encode_array_space(space: spaces.Space, value: Any) -> Any:
    array = np.asarray(value)
    if array.shape != space.shape:
        raise SpaceValueError(f"shape {array.shape} does not fit {space!r}", (), None)
    if array.dtype != space.dtype:
        array = _cast(array, space)
    return encode_array(array)


def _cast(array: np.ndarray, space: spaces.Space) -> np.ndarray:
    """``array`` in the space's dtype; floats may round, integers must keep their value."""
    dtype = np.dtype(space.dtype)
    if not np.can_cast(array.dtype, dtype, casting="same_kind"):
        raise SpaceValueError(f"dtype {array.dtype} does not fit {space!r}", (), None)
    cast = array.astype(dtype)
    if dtype.kind != "f" and not np.array_equal(cast, array):
        raise SpaceValueError(f"values {array!r} overflow the dtype of {space!r}", (), None)
    return cast


def _decode_array_space(space: spaces.Space, data: Any) -> np.ndarray:
    return decode_array(data, space.dtype, space.shape)


def _encode_discrete(space: spaces.Discrete, value: Any) -> int:
    number = int(value)
    if number != value:
        raise SpaceValueError(f"{value!r} is not an integer of {space!r}", (), None)
    return number


def _decode_discrete(space: spaces.Discrete, data: Any) -> np.integer:
    return decode_array(data, space.dtype, ())[()]


def _encode_text(space: spaces.Text, value: Any) -> str:
    return str(value)


def _decode_text(space: spaces.Text, data: Any) -> str:
    if not isinstance(data, str):
        raise SpaceValueError(f"expected a string, got {_kind(data)}", (), data)
    return data


def _encode_tuple(space: spaces.Tuple, value: Any) -> list[Any]:
    return [encode_value(s, v) for s, v in zip(space.spaces, value, strict=True)]


def _decode_tuple(space: spaces.Tuple, data: Any) -> tuple[Any, ...]:
    if not isinstance(data, list) or len(data) != len(space.spaces):
        raise SpaceValueError(
            f"expected a list of {len(space.spaces)} values, got {_kind(data)}", (), data
        )
    pairs = enumerate(zip(space.spaces, data, strict=True))
    return tuple(_located(decode_value, sub, item, i) for i, (sub, item) in pairs)


def _encode_dict(space: spaces.Dict, value: Any) -> dict[str, Any]:
    return {key: encode_value(sub, value[key]) for key, sub in space.spaces.items()}


def _decode_dict(space: spaces.Dict, data: Any) -> dict[str, Any]:
    if not isinstance(data, dict):
        raise SpaceValueError(f"expected an object, got {_kind(data)}", (), data)
    missing = [k for k in space.spaces if k not in data]
    extra = [k for k in data if k not in space.spaces]
    if missing or extra:
        problems = [f"missing keys {missing}"] if missing else []
        problems += [f"unknown keys {extra}"] if extra else []
        raise SpaceValueError(
            "; ".join(problems) + f" (expected keys {list(space.spaces)})", (), data
        )
    return {key: _located(decode_value, sub, data[key], key) for key, sub in space.spaces.items()}


def _encode_sequence(space: spaces.Sequence, value: Any) -> list[Any]:
    items = iterate(space.stacked_feature_space, value) if space.stack else value
    return [encode_value(space.feature_space, item) for item in items]


def _decode_sequence(space: spaces.Sequence, data: Any) -> Any:
    if not isinstance(data, list):
        raise SpaceValueError(f"expected a list, got {_kind(data)}", (), data)
    items = tuple(_located(decode_value, space.feature_space, v, i) for i, v in enumerate(data))
    if not space.stack:
        return items
    out: Any = create_empty_array(space.feature_space, len(items))
    return concatenate(space.feature_space, items, out) if items else out


def _encode_graph(space: spaces.Graph, value: spaces.GraphInstance) -> dict[str, Any]:
    has_edges = value.edges is not None and value.edge_links is not None
    return {
        "nodes": _encode_batch(space.node_space, value.nodes),
        "edges": _encode_batch(space.edge_space, value.edges) if has_edges else None,  # type: ignore[arg-type]
        "edge_links": encode_array(np.asarray(value.edge_links)) if has_edges else None,
    }


def _encode_batch(space: spaces.Space, batch: Any) -> Any:
    return encode_array(np.asarray(batch, dtype=space.dtype))


def _decode_graph(space: spaces.Graph, data: Any) -> spaces.GraphInstance:
    if not isinstance(data, dict) or set(data) != {"nodes", "edges", "edge_links"}:
        raise SpaceValueError(
            'expected an object with exactly "nodes", "edges" and "edge_links"', (), data
        )
    nodes = _located(_decode_batch, space.node_space, data["nodes"], "nodes")
    if data["edges"] is None and data["edge_links"] is None:
        return spaces.GraphInstance(nodes, None, None)
    if space.edge_space is None or data["edges"] is None or data["edge_links"] is None:
        raise SpaceValueError(
            "edges and edge_links must both be null, or both be given when the graph has an "
            "edge space",
            (),
            data,
        )
    edges = _located(_decode_batch, space.edge_space, data["edges"], "edges")
    links = decode_array(data["edge_links"], EDGE_LINK_DTYPE, (len(edges), 2), ("edge_links",))
    return spaces.GraphInstance(nodes, edges, links)


def _decode_batch(space: spaces.Space, data: Any) -> np.ndarray:
    return decode_array(data, np.dtype(space.dtype), (None, *(space.shape or ())))


def _encode_one_of(space: spaces.OneOf, value: Any) -> list[Any]:
    index, inner = value
    return [int(index), encode_value(space.spaces[int(index)], inner)]


def _decode_one_of(space: spaces.OneOf, data: Any) -> tuple[np.int64, Any]:
    count = len(space.spaces)
    if not (
        isinstance(data, list)
        and len(data) == 2
        and isinstance(data[0], int)
        and not isinstance(data[0], bool)
        and 0 <= data[0] < count
    ):
        raise SpaceValueError(
            f"expected [index, value] with an index in [0, {count - 1}], got {_kind(data)}",
            (),
            data,
        )
    return np.int64(data[0]), _located(decode_value, space.spaces[data[0]], data[1], 1)


def _located(decode: Callable[..., Any], space: Any, data: Any, key: str | int) -> Any:
    try:
        return decode(space, data)
    except SpaceValueError as exc:
        raise exc.located(key) from None


def _kind(data: Any) -> str:
    text = repr(data)
    return f"{type(data).__name__} {text if len(text) <= 60 else text[:57] + '...'}"


_CODECS: dict[type, tuple[Callable[..., Any], Callable[..., Any]]] = {
    spaces.Box: (_encode_array_space, _decode_array_space),
    spaces.MultiDiscrete: (_encode_array_space, _decode_array_space),
    spaces.MultiBinary: (_encode_array_space, _decode_array_space),
    spaces.Discrete: (_encode_discrete, _decode_discrete),
    spaces.Text: (_encode_text, _decode_text),
    spaces.Tuple: (_encode_tuple, _decode_tuple),
    spaces.Dict: (_encode_dict, _decode_dict),
    spaces.Sequence: (_encode_sequence, _decode_sequence),
    spaces.Graph: (_encode_graph, _decode_graph),
    spaces.OneOf: (_encode_one_of, _decode_one_of),
}
