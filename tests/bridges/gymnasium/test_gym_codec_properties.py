"""Hypothesis properties of the space codec: every supported space, sampled values."""

from __future__ import annotations

import json

import jsonschema
import numpy as np
import pytest
from envbridge.bridges.gymnasium import (
    SpaceValueError,
    build_space,
    decode_value,
    describe_space,
    encode_value,
    space_schema,
)
from gymnasium import spaces
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

from tests.bridges.gymnasium.gym_spaces_strategy import all_spaces, assert_same_value

# Graph.contains iterates a batched shape-() Box into numpy scalars and warns about it.
pytestmark = pytest.mark.filterwarnings("ignore:.*Casting input x to numpy array")

PROPERTY = settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])


def over_the_wire(data: object) -> object:
    """What the peer sees: strict JSON text (NaN and infinities are not allowed)."""
    return json.loads(json.dumps(data, allow_nan=False))


def assert_same_space(a: spaces.Space, b: spaces.Space) -> None:
    """Equal as gymnasium sees it, and equal bit for bit in every bound and dtype."""
    assert a == b
    assert type(a) is type(b)
    assert describe_space(a) == describe_space(b)
    if isinstance(a, spaces.Box):
        assert_same_value(a.low, b.low)
        assert_same_value(a.high, b.high)


@PROPERTY
@given(all_spaces)
def test_rebuilt_space_equals_the_original(space: spaces.Space) -> None:
    rebuilt = build_space(over_the_wire(describe_space(space)))
    assert_same_space(space, rebuilt)


@PROPERTY
@given(all_spaces, st.integers(0, 2**32 - 1))
def test_sample_survives_encode_json_decode(space: spaces.Space, seed: int) -> None:
    space.seed(seed)
    sample = space.sample()
    decoded = decode_value(space, over_the_wire(encode_value(space, sample)))
    assert_same_value(sample, decoded)
    assert space.contains(decoded)


@PROPERTY
@given(all_spaces, st.integers(0, 2**32 - 1))
def test_decoding_with_the_rebuilt_space_gives_the_sample(space: spaces.Space, seed: int) -> None:
    space.seed(seed)
    sample = space.sample()
    rebuilt = build_space(over_the_wire(describe_space(space)))
    decoded = decode_value(rebuilt, over_the_wire(encode_value(space, sample)))
    assert_same_value(sample, decoded)
    assert rebuilt.contains(decoded)


@PROPERTY
@given(all_spaces, st.integers(0, 2**32 - 1))
def test_encoded_samples_satisfy_the_json_schema(space: spaces.Space, seed: int) -> None:
    space.seed(seed)
    value = over_the_wire(encode_value(space, space.sample()))
    for strict in (False, True):
        schema = space_schema(space, strict=strict)
        jsonschema.Draft202012Validator.check_schema(schema)
        jsonschema.validate(value, schema)


float_arrays = st.sampled_from([np.float16, np.float32, np.float64]).flatmap(
    lambda dtype: hnp.arrays(
        dtype,
        hnp.array_shapes(min_dims=0, max_dims=3, max_side=4),
        elements=hnp.from_dtype(np.dtype(dtype), allow_nan=True, allow_infinity=True),
    )
)


@PROPERTY
@given(float_arrays)
def test_floats_keep_every_bit_including_nan_infinity_and_negative_zero(array: np.ndarray) -> None:
    space = spaces.Box(-np.inf, np.inf, shape=array.shape, dtype=array.dtype)
    decoded = decode_value(space, over_the_wire(encode_value(space, array)))
    assert_same_value(array, decoded)


@PROPERTY
@given(
    st.sampled_from([np.int64, np.uint64, np.int8, np.uint8]).flatmap(
        lambda dtype: hnp.arrays(dtype, hnp.array_shapes(min_dims=1, max_dims=2, max_side=4))
    )
)
def test_integers_are_exact_across_the_whole_dtype_range(array: np.ndarray) -> None:
    info = np.iinfo(array.dtype)
    space = spaces.Box(info.min, info.max, shape=array.shape, dtype=array.dtype)
    decoded = decode_value(space, over_the_wire(encode_value(space, array)))
    assert_same_value(array, decoded)
    assert space.contains(decoded)


json_values = st.recursive(
    st.none()
    | st.booleans()
    | st.integers(-(2**70), 2**70)
    | st.floats(allow_nan=False, allow_infinity=False)
    | st.sampled_from(["NaN", "Infinity", "-Infinity", "", "a"]),
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=3), inner),
    max_leaves=12,
)


@PROPERTY
@given(all_spaces, json_values)
def test_any_json_either_decodes_or_raises_space_value_error(space: spaces.Space, data) -> None:
    try:
        decode_value(space, data)
    except SpaceValueError as exc:
        assert str(exc).startswith("value")


@PROPERTY
@given(all_spaces, st.integers(0, 2**32 - 1), st.data())
def test_corrupted_samples_are_caught_by_decode_or_contains(space, seed, data) -> None:
    """Replace one leaf of a valid wire value with junk: never a crash, never a silent pass
    of a wrong type (the result, if any, is re-encodable)."""
    space.seed(seed)
    wire = over_the_wire(encode_value(space, space.sample()))
    junk = data.draw(json_values)
    corrupted = _replace_first_leaf(wire, junk)
    try:
        value = decode_value(space, corrupted)
    except SpaceValueError:
        return
    encode_value(space, value)


def _replace_first_leaf(value, junk):
    if isinstance(value, list) and value:
        return [_replace_first_leaf(value[0], junk), *value[1:]]
    if isinstance(value, dict) and value:
        first = next(iter(value))
        return {**value, first: _replace_first_leaf(value[first], junk)}
    return junk
