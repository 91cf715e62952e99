"""The wire JSON codec: orjson (``envbridge[fast]``) and the standard library agree.

Every value encodes to the same JSON value, or fails with the same kind of error, with
either encoder; NaN and Infinity never cross the wire (orjson alone would write them as
``null``); the direct scanner parses exactly what ``json.loads`` parses.
"""

from __future__ import annotations

import dataclasses
import datetime
import enum
import json
import math
import os
import subprocess
import sys
import uuid
from collections import OrderedDict
from typing import Any

import numpy as np
import pytest
from envbridge.spec import jsoncodec
from hypothesis import given, settings
from hypothesis import strategies as st

ENCODERS = jsoncodec.available_encoders()
needs_orjson = pytest.mark.skipif("orjson" not in ENCODERS, reason="orjson not installed")


class Colour(enum.Enum):
    RED = "red"


class Level(enum.IntEnum):
    HIGH = 3


class Tagged(str):
    pass


@dataclasses.dataclass
class Point:
    x: int = 1


def outcome(encode: Any, value: Any) -> tuple[str, Any]:
    """("ok", the JSON value written) or ("error", the exception's type)."""
    try:
        return "ok", json.loads(encode(value))
    except (ValueError, TypeError) as exc:
        return "error", ValueError if isinstance(exc, ValueError) else TypeError


def same_everywhere(value: Any) -> tuple[str, Any]:
    results = {name: outcome(encode, value) for name, encode in ENCODERS.items()}
    assert results["orjson"] == results["stdlib"], value
    return results["stdlib"]


json_leaves = (
    st.none()
    | st.booleans()
    | st.integers(min_value=-(2**80), max_value=2**80)
    | st.floats()  # NaN and infinities included
    | st.text()
)
json_like = st.recursive(
    json_leaves,
    lambda inner: (
        st.lists(inner, max_size=4)
        | st.dictionaries(st.text(max_size=5) | st.integers(), inner, max_size=4)
    ),
    max_leaves=20,
)


@needs_orjson
@settings(max_examples=400, deadline=None)
@given(json_like)
def test_both_encoders_write_the_same_value_or_fail_alike(value):
    kind, written = same_everywhere(value)
    if kind == "ok":
        assert not _has_non_finite(written)


def _has_non_finite(value: Any) -> bool:
    if isinstance(value, float):
        return not math.isfinite(value)
    if isinstance(value, dict):
        return any(_has_non_finite(v) for v in value.values())
    if isinstance(value, list):
        return any(_has_non_finite(v) for v in value)
    return False


@pytest.mark.parametrize("bad", [math.nan, math.inf, -math.inf])
@pytest.mark.parametrize("name", sorted(ENCODERS))
def test_non_finite_floats_are_refused_not_written_as_null(name, bad):
    with pytest.raises(ValueError):
        ENCODERS[name]({"observation": [1.0, bad], "reward": 1.0})


@needs_orjson
@pytest.mark.parametrize(
    "value, expected",
    [
        ({"c": Colour.RED, "l": Level.HIGH}, ("ok", {"c": "red", "l": 3})),
        (uuid.UUID(int=5), ("ok", "00000000-0000-0000-0000-000000000005")),
        (Tagged("x"), ("ok", "x")),
        (OrderedDict(a=1), ("ok", {"a": 1})),
        ({1: "int key"}, ("ok", {"1": "int key"})),
        (2**70, ("ok", 2**70)),
        (np.float64(0.5), ("ok", 0.5)),
        ((1, 2), ("ok", [1, 2])),
        (Point(), ("error", TypeError)),
        (datetime.date(2020, 1, 1), ("error", TypeError)),
        (np.float32(0.5), ("error", TypeError)),
        (b"bytes", ("error", TypeError)),
        ({"s": {1}}, ("error", TypeError)),
        ({"e": Colour.RED, "n": np.float64("nan")}, ("error", ValueError)),
    ],
)
def test_values_beyond_plain_json_behave_the_same(value, expected):
    assert same_everywhere(value) == expected


def test_cycles_and_deep_nesting_are_value_errors():
    cycle: list[Any] = []
    cycle.append(cycle)
    deep: list[Any] = []
    for _ in range(100_000):
        deep = [deep]
    for value in (cycle, deep):
        with pytest.raises(ValueError, match="nests too deeply"):
            jsoncodec.encode(value)


def test_output_is_compact_and_keeps_unicode():
    for encode in ENCODERS.values():
        assert encode({"a": [1, "é\u2028"], "b": None}) == '{"a":[1,"é\u2028"],"b":null}'


@settings(max_examples=300, deadline=None)
@given(json_like.filter(lambda v: not _has_non_finite(v)), st.sampled_from(["", " ", "\n "]))
def test_the_direct_scanner_parses_what_json_loads_parses(value, padding):
    text = padding + json.dumps(value) + padding
    assert jsoncodec.decode(text) == json.loads(text)
    assert jsoncodec.decode(text.encode()) == json.loads(text)


@pytest.mark.parametrize(
    "text, error",
    [
        ('{"a":1} extra', "Extra data"),
        ("", "Expecting value"),
        ("{bad", "Expecting property name"),
        ("NaN", "NaN is not valid JSON"),
        ('{"x": -Infinity}', "-Infinity is not valid JSON"),
        ("[" * 100_000, "nests too deeply"),
    ],
)
def test_bad_json_is_a_value_error_with_the_parsers_reason(text, error):
    with pytest.raises(ValueError, match=error):
        jsoncodec.decode(text)


def test_big_integers_stay_integers_when_parsed():
    assert jsoncodec.decode('{"seed": 123456789012345678901234567890}') == {
        "seed": 123456789012345678901234567890
    }


def _encoder_in_subprocess(setting: str | None) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if k != jsoncodec.CODEC_VARIABLE}
    if setting is not None:
        env[jsoncodec.CODEC_VARIABLE] = setting
    code = "from envbridge.spec import jsoncodec; print(jsoncodec.ENCODER)"
    return subprocess.run(
        [sys.executable, "-c", code], env=env, capture_output=True, text=True, timeout=60
    )


@needs_orjson
@pytest.mark.parametrize(
    "setting, expected",
    [(None, "orjson"), ("auto", "orjson"), ("stdlib", "stdlib"), ("ORJSON", "orjson")],
)
def test_the_variable_picks_the_encoder(setting, expected):
    done = _encoder_in_subprocess(setting)
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == expected


def test_an_unknown_setting_says_what_to_choose():
    done = _encoder_in_subprocess("fastest")
    assert done.returncode != 0
    assert "ENVBRIDGE_JSON='fastest': choose one of auto, stdlib, orjson" in done.stderr
