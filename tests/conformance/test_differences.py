"""Determinism failures name the first field that differs (corpus: repl_env's timing field).

On OpenEnv's ``repl_env`` the trajectories differed only in a wall-clock duration inside the
observation; "the trajectories diverge at step 1" alone left the author to diff two long
observations by hand. Each determinism failure now says where the replies first differ and
how a stochastic environment skips the checks.
"""

from __future__ import annotations

import pytest
from envbridge.conformance import Status, check
from envbridge.conformance.broken import FAMILY
from envbridge.conformance.differences import NONDETERMINISTIC_HINT, first_difference

from tests.conformance.conftest import FAST
from tests.helpers import serving_app


@pytest.mark.parametrize(
    ("left", "right", "where"),
    [
        ({"a": {"b": [1, 2.5]}}, {"a": {"b": [1, 2.7]}}, "a.b[1]: 2.5 != 2.7"),
        ({"a": 1, "b": 2}, {"a": 1}, "b: only in the first"),
        ({"a": 1}, {"a": 1, "c": 3}, "c: only in the second"),
        ([1], [1, 2], "(root): 1 items != 2 items"),
        ({"x": [0]}, {"x": "0"}, "x: [0] != '0'"),
        ("a" * 100, "b", "(root): '" + "a" * 30 + "...' != 'b' (from character 0)"),
        (
            {"q": "How many legs do 3 sea slugs and 12 deer have in total? " * 2},
            {"q": "How many legs do 5 sea slugs and 12 deer have in total? " * 2},
            "q: '...y legs do 3 sea slugs and 12 d...' != '...y legs do 5 sea slugs and 12 d...' "
            "(from character 17)",
        ),
    ],
)
def test_first_difference_names_the_path(left, right, where):
    assert first_difference(left, right) == where


@pytest.mark.parametrize("value", [{"a": [1, {"b": None}]}, [], 3, None, "s"])
def test_equal_values_have_no_difference(value):
    assert first_difference(value, value) is None
    assert first_difference({"n": 1}, {"n": 1.0}) is None, "the checks' own equality"


def _family(target: str):
    return next(server for server in FAMILY if server.target == target)


@pytest.mark.parametrize(
    ("target", "where"),
    [
        ("determinism.reset_seed", "observation.nonce: "),
        ("determinism.trajectory", "reward: "),
        ("determinism.reset_seed_session", "observation.draw: "),
    ],
)
def test_determinism_failure_names_the_field(target, where):
    with serving_app(_family(target).build()) as url:
        result = check(url, only=["determinism"], **FAST).result(target)
    assert result.status is Status.FAIL
    assert where in result.message
    assert NONDETERMINISTIC_HINT in result.message
