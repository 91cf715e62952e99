"""The per-space codec built once per env (``value_encoder``, ``member_decoder``) must agree
exactly with the general ``encode_value`` / ``decode_value`` + ``contains`` path."""

from __future__ import annotations

import json

import numpy as np
import pytest
from envbridge.bridges.gymnasium import SpaceValueError, decode_value, encode_value
from envbridge.bridges.gymnasium.codec import MISS, member_decoder, value_encoder
from gymnasium import spaces
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

from tests.bridges.gymnasium.gym_spaces_strategy import all_spaces, discretes
from tests.bridges.gymnasium.test_gym_codec_properties import json_values

pytestmark = pytest.mark.filterwarnings("ignore:.*Casting input x to numpy array")

PROPERTY = settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])


def _same_json(a: object, b: object) -> None:
    """Equal as JSON text, so 1 vs 1.0 and -0.0 vs 0.0 count as different."""
    assert json.dumps(a) == json.dumps(b)


@PROPERTY
@given(all_spaces, st.integers(0, 2**32 - 1))
def test_compiled_encoder_writes_what_encode_value_writes(space: spaces.Space, seed: int) -> None:
    space.seed(seed)
    sample = space.sample()
    _same_json(value_encoder(space)(sample), encode_value(space, sample))


float_arrays = st.sampled_from([np.float16, np.float32, np.float64]).flatmap(
    lambda dtype: hnp.arrays(dtype, hnp.array_shapes(min_dims=0, max_dims=2, max_side=4))
)


@PROPERTY
@given(float_arrays)
def test_compiled_encoder_spells_non_finite_floats_like_encode_value(array: np.ndarray) -> None:
    """NaN, infinities, -0.0 and values whose sum overflows all leave the fast path intact."""
    space = spaces.Box(-np.inf, np.inf, shape=array.shape, dtype=array.dtype)
    _same_json(value_encoder(space)(array), encode_value(space, array))


def test_compiled_encoder_falls_back_for_other_dtypes_and_refuses_wrong_shapes() -> None:
    space = spaces.Box(-1, 1, shape=(2,), dtype=np.float32)
    encode = value_encoder(space)
    assert encode(np.array([0.5, -0.25])) == [0.5, -0.25]  # float64 in: cast, same numbers
    assert encode([0.5, 1.0]) == [0.5, 1.0]  # a plain list takes the general path
    with pytest.raises(SpaceValueError, match="shape"):
        encode(np.zeros(3, dtype=np.float32))
    big = np.array([3e38, 3e38], dtype=np.float32)  # finite, but the sum overflows
    assert encode(big) == encode_value(space, big) == big.tolist()
    ints = spaces.Box(0, 9, shape=(2,), dtype=np.int64)
    with pytest.raises(SpaceValueError, match="overflow"):
        value_encoder(ints)(np.array([2**63, 0], dtype=np.uint64))


@PROPERTY
@given(all_spaces, json_values)
def test_member_decoder_vouches_only_for_contained_values(space: spaces.Space, data) -> None:
    """Whatever the cheap path accepts, the general path decodes to the same contained value."""
    value = member_decoder(space)(data)
    if value is MISS:
        return
    general = decode_value(space, data)
    assert type(value) is type(general) and value == general
    assert space.contains(value)


@PROPERTY
@given(discretes(), st.integers(-(2**70), 2**70) | st.booleans() | st.floats())
def test_discrete_cheap_path_matches_decode_and_contains(space: spaces.Discrete, data) -> None:
    value = member_decoder(space)(data)
    try:
        general = decode_value(space, data)
        inside = space.contains(general)
    except SpaceValueError:
        inside = False
    if inside and type(data) is int:
        assert value == general and value.dtype == space.dtype
    else:
        assert value is MISS
