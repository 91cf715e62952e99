"""Hypothesis strategies for gymnasium spaces, and an exact equality for their values."""

from __future__ import annotations

from collections import OrderedDict
from typing import Any

import numpy as np
from gymnasium import spaces
from hypothesis import strategies as st

FLOAT_DTYPES = [np.float16, np.float32, np.float64]
INT_DTYPES = [np.int8, np.int16, np.int32, np.int64, np.uint8, np.uint16, np.uint32, np.uint64]
CHARSET_CHARS = "abcXYZ019 -]^[\\é.*"

shapes = st.lists(st.integers(1, 3), min_size=0, max_size=3).map(tuple)


@st.composite
def boxes(draw: st.DrawFn) -> spaces.Box:
    shape = draw(shapes)
    kind = draw(st.sampled_from(["float", "int", "bool"]))
    if kind == "bool":
        return spaces.Box(0, 1, shape=shape, dtype=np.bool_)
    if kind == "int":
        dtype = np.dtype(draw(st.sampled_from(INT_DTYPES)))
        info = np.iinfo(dtype)
        low = draw(st.integers(max(info.min, -1000), min(info.max, 1000)))
        high = draw(st.integers(low, min(info.max, low + 1000)))
        return spaces.Box(low, high, shape=shape, dtype=dtype)
    dtype = np.dtype(draw(st.sampled_from(FLOAT_DTYPES)))
    finite = st.floats(-1000, 1000, width=16)
    low = draw(st.one_of(st.just(-np.inf), finite))
    high = draw(
        st.one_of(st.just(np.inf), finite.map(lambda x: abs(x) + (0 if low == -np.inf else low)))
    )
    offsets = np.zeros(shape)
    if draw(st.booleans()):
        offsets = np.arange(int(np.prod(shape)), dtype=np.float64).reshape(shape)
    lows, highs = (np.asarray(b, dtype=dtype) for b in (low - offsets, high + offsets))
    return spaces.Box(lows, highs, shape=shape, dtype=dtype)


@st.composite
def discretes(draw: st.DrawFn) -> spaces.Discrete:
    dtype = draw(st.sampled_from([np.int64, np.int32, np.int16]))
    return spaces.Discrete(draw(st.integers(1, 10)), start=draw(st.integers(-5, 5)), dtype=dtype)


@st.composite
def multi_discretes(draw: st.DrawFn) -> spaces.MultiDiscrete:
    shape = draw(st.sampled_from([(1,), (3,), (2, 2)]))
    size = int(np.prod(shape))
    nvec = np.array(draw(st.lists(st.integers(1, 5), min_size=size, max_size=size))).reshape(shape)
    start = np.array(draw(st.lists(st.integers(-3, 3), min_size=size, max_size=size))).reshape(
        shape
    )
    dtype = draw(st.sampled_from([np.int64, np.int32]))
    return spaces.MultiDiscrete(nvec, dtype=dtype, start=start)


multi_binaries = st.one_of(
    st.integers(1, 5).map(spaces.MultiBinary),
    st.sampled_from([[2, 3], [1, 1, 2]]).map(spaces.MultiBinary),
)


@st.composite
def texts(draw: st.DrawFn) -> spaces.Text:
    chars = draw(st.sets(st.sampled_from(CHARSET_CHARS), min_size=1))
    min_length = draw(st.integers(0, 3))
    max_length = draw(st.integers(max(min_length, 1), 8))
    return spaces.Text(max_length, min_length=min_length, charset="".join(sorted(chars)))


@st.composite
def graphs(draw: st.DrawFn) -> spaces.Graph:
    leaf = st.one_of(boxes().filter(lambda b: b.dtype != np.bool_), discretes())
    edge = draw(st.one_of(st.none(), leaf))
    return spaces.Graph(draw(leaf), edge)


leaf_spaces = st.one_of(boxes(), discretes(), multi_discretes(), multi_binaries, texts())


def _composites(children: st.SearchStrategy[spaces.Space]) -> st.SearchStrategy[spaces.Space]:
    keys = st.text(alphabet="abcdefgh_1", min_size=1, max_size=5)
    return st.one_of(
        st.lists(children, min_size=1, max_size=3).map(lambda s: spaces.Tuple(s)),
        st.dictionaries(keys, children, min_size=1, max_size=3).map(
            lambda d: spaces.Dict(OrderedDict(d))
        ),
        st.tuples(children, st.booleans()).map(lambda p: spaces.Sequence(p[0], stack=p[1])),
        st.lists(children, min_size=1, max_size=3).map(lambda s: spaces.OneOf(s)),
    )


all_spaces = st.one_of(graphs(), st.recursive(leaf_spaces, _composites, max_leaves=4))
"""Every supported space kind, nested up to a few levels."""


def assert_same_value(a: Any, b: Any, where: str = "value") -> None:
    """``a`` and ``b`` are the same space element: types, dtypes, shapes and every bit."""
    if isinstance(a, spaces.GraphInstance):
        assert isinstance(b, spaces.GraphInstance), where
        for field in ("nodes", "edges", "edge_links"):
            assert_same_value(getattr(a, field), getattr(b, field), f"{where}.{field}")
    elif isinstance(a, np.ndarray | np.generic):
        # A Box of shape () samples either a 0-d array or (bool) a numpy scalar; the codec
        # always decodes Box values as arrays, so only these two forms are interchangeable.
        if np.ndim(a) == 0 and isinstance(a, np.generic) != isinstance(b, np.generic):
            a, b = np.asarray(a), np.asarray(b)
        assert type(a) is type(b), f"{where}: {type(a)} != {type(b)}"
        assert a.dtype == b.dtype, f"{where}: dtype {a.dtype} != {b.dtype}"
        assert np.shape(a) == np.shape(b), f"{where}: shape {np.shape(a)} != {np.shape(b)}"
        if a.dtype.kind == "f":
            assert np.array_equal(a, b, equal_nan=True), f"{where}: {a!r} != {b!r}"
            numbers = ~np.isnan(a)  # every NaN decodes to the canonical NaN (stated policy)
            assert np.array_equal(np.signbit(a)[numbers], np.signbit(b)[numbers]), f"{where}: sign"
        else:
            assert np.array_equal(a, b), f"{where}: {a!r} != {b!r}"
    elif isinstance(a, tuple | list):
        assert type(a) is type(b) and len(a) == len(b), f"{where}: {a!r} != {b!r}"
        for i, (x, y) in enumerate(zip(a, b, strict=True)):
            assert_same_value(x, y, f"{where}[{i}]")
    elif isinstance(a, dict):
        # Key order is not part of the value (gymnasium's Dict.contains ignores it too).
        assert isinstance(b, dict) and set(a) == set(b), f"{where}: keys {list(a)} != {b!r}"
        for key in a:
            assert_same_value(a[key], b[key], f"{where}[{key!r}]")
    else:
        assert type(a) is type(b) and a == b, f"{where}: {a!r} != {b!r}"
