"""Bad wire values and unsupported spaces get errors that say what and where."""

from __future__ import annotations

import jsonschema
import numpy as np
import pytest
from envbridge.bridges.gymnasium import (
    SpaceValueError,
    UnsupportedSpace,
    build_space,
    decode_value,
    describe_space,
    encode_value,
    space_schema,
)
from gymnasium import spaces

OBS = spaces.Dict(
    {
        "pos": spaces.Box(-1.0, 1.0, shape=(2,), dtype=np.float32),
        "count": spaces.Box(0, 10, shape=(), dtype=np.int8),
        "pair": spaces.Tuple((spaces.Discrete(3, start=-1), spaces.Text(4))),
    }
)
GOOD = {"pos": [0.5, -0.5], "count": 3, "pair": [0, "ab"]}


def with_(**changes: object) -> dict[str, object]:
    return {**GOOD, **changes}


@pytest.mark.parametrize(
    ("data", "path", "words"),
    [
        (with_(pos=[0.5]), ("pos",), "shape (2)"),
        (with_(pos=[[0.5, 1], [0, 0]]), ("pos",), "shape (2)"),
        (with_(pos=["x", 1.0]), ("pos", 0), "expected a number"),
        (with_(pos=[[1.0], 2.0]), ("pos",), "rectangular"),
        (with_(count=2.5), ("count",), "expected an integer"),
        (with_(count=True), ("count",), "expected integers"),
        (with_(count=300), ("count",), "[-128, 127]"),
        (with_(count=[3]), ("count",), "single number"),
        (with_(pair=[0]), ("pair",), "list of 2 values"),
        (with_(pair=[0, 7]), ("pair", 1), "expected a string"),
        (with_(pair=["1", "ab"]), ("pair", 0), "expected integers"),
        ({"pos": [0, 0], "count": 1}, (), "missing keys ['pair']"),
        (with_(extra=1), (), "unknown keys ['extra']"),
        ([1, 2, 3], (), "expected an object"),
    ],
)
def test_malformed_values_name_the_problem_and_its_location(
    data: object, path: tuple, words: str
) -> None:
    with pytest.raises(SpaceValueError) as caught:
        decode_value(OBS, data)
    assert caught.value.path == path
    assert words in str(caught.value)


def test_a_well_formed_value_decodes_to_the_space_dtypes() -> None:
    value = decode_value(OBS, GOOD)
    assert value["pos"].dtype == np.float32 and value["count"].dtype == np.int8
    assert value["pair"] == (np.int64(0), "ab") and OBS.contains(value)


def test_out_of_bounds_values_decode_but_are_not_contained() -> None:
    value = decode_value(OBS, with_(pos=[2.0, 0.0]))
    assert not OBS.contains(value)


def test_non_finite_floats_travel_as_strings() -> None:
    box = spaces.Box(-np.inf, np.inf, shape=(3,), dtype=np.float64)
    wire = encode_value(box, np.array([np.nan, np.inf, -np.inf]))
    assert wire == ["NaN", "Infinity", "-Infinity"]
    assert describe_space(box)["low"] == "-Infinity"
    with pytest.raises(SpaceValueError, match="expected a number"):
        decode_value(box, ["nan", 0, 0])


def test_graph_edges_must_come_with_edge_links() -> None:
    graph = spaces.Graph(spaces.Discrete(3), spaces.Discrete(2))
    with pytest.raises(SpaceValueError, match="both be null"):
        decode_value(graph, {"nodes": [0, 1], "edges": [1], "edge_links": None})
    with pytest.raises(SpaceValueError, match=r"shape \(1, 2\)"):
        decode_value(graph, {"nodes": [0, 1], "edges": [1], "edge_links": [[0, 1, 1]]})


def test_one_of_needs_a_valid_index() -> None:
    one_of = spaces.OneOf([spaces.Discrete(2), spaces.Text(3)])
    with pytest.raises(SpaceValueError, match=r"index in \[0, 1\]"):
        decode_value(one_of, [2, "a"])


class Unknown(spaces.Space):
    """A space class the wire format does not know."""


@pytest.mark.parametrize(
    "space",
    [
        Unknown(),
        spaces.Tuple([spaces.Discrete(2), Unknown()]),
        spaces.Dict({1: spaces.Discrete(2)}),
    ],
)
def test_unsupported_spaces_are_refused_with_the_supported_list(space: spaces.Space) -> None:
    with pytest.raises(UnsupportedSpace, match="supported spaces are Box, Discrete"):
        describe_space(space)


def test_a_bad_description_is_refused_clearly() -> None:
    with pytest.raises(SpaceValueError, match="not a space description"):
        build_space({"type": "Cube"})
    with pytest.raises(SpaceValueError, match="invalid Discrete description"):
        build_space({"type": "Discrete", "n": 2})


def test_strict_action_schemas_admit_only_contained_values() -> None:
    low, high = np.array([-1, 0], dtype=np.float32), np.array([1, np.inf], dtype=np.float32)
    box = spaces.Box(low, high, dtype=np.float32)
    strict, loose = space_schema(box, strict=True), space_schema(box)
    for value in ([0.5, 3.0], [-1.0, "Infinity"]):
        jsonschema.validate(value, strict)
        assert box.contains(decode_value(box, value))
    for value in ([1.5, 0.0], [0.0, -0.5], ["NaN", 0.0], [0.0, "-Infinity"]):
        with pytest.raises(jsonschema.ValidationError):
            jsonschema.validate(value, strict)
        assert not box.contains(decode_value(box, value))
    jsonschema.validate(["NaN", "-Infinity"], loose)  # observations may carry any float


def test_multi_discrete_schema_bounds_each_entry() -> None:
    space = spaces.MultiDiscrete([2, 5], start=[0, -2])
    schema = space_schema(space, strict=True)
    jsonschema.validate([1, 2], schema)
    for value in ([2, 0], [0, -3], [0, 3]):
        with pytest.raises(jsonschema.ValidationError):
            jsonschema.validate(value, schema)


@pytest.mark.parametrize(
    ("space", "value", "words"),
    [
        (spaces.Box(0, 1, shape=(2,)), np.zeros(3, dtype=np.float32), "shape (3,)"),
        (spaces.Box(0, 9, shape=(2,), dtype=np.int8), np.array([0.5, 1.0]), "dtype float64"),
        (spaces.Box(0, 9, shape=(1,), dtype=np.int8), np.array([300]), "overflow"),
        (spaces.Discrete(3), 1.5, "not an integer"),
    ],
)
def test_values_an_env_returns_outside_its_declared_structure_are_refused(
    space: spaces.Space, value: object, words: str
) -> None:
    with pytest.raises(SpaceValueError) as caught:
        encode_value(space, value)
    assert words in str(caught.value)


def test_wider_floats_are_rounded_to_the_declared_dtype() -> None:
    box = spaces.Box(0, 1, shape=(1,), dtype=np.float32)
    assert encode_value(box, np.array([0.1])) == [float(np.float32(0.1))]
