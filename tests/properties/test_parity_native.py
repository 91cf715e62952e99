"""The parity harness on the native sample env: in-process == /ws simulation == /mcp production."""

from __future__ import annotations

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from envs.native.counter import CounterEnv
from tests.properties.parity import ParityHarness

tool_calls = st.lists(
    st.one_of(
        st.tuples(st.just("add"), st.fixed_dictionaries({"amount": st.integers(-50, 50)})),
        st.tuples(st.just("get_count"), st.just({})),
        st.tuples(st.just("echo"), st.fixed_dictionaries({"message": st.text(max_size=20)})),
        st.tuples(st.just("add"), st.fixed_dictionaries({"amount": st.text(max_size=3)})),
        st.tuples(st.sampled_from(["nope", "missing_tool"]), st.just({})),
    ),
    max_size=8,
)


@pytest.fixture(scope="module")
def harness():
    with ParityHarness(CounterEnv) as running:
        yield running


@settings(
    max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(calls=tool_calls, seed=st.one_of(st.none(), st.integers(0, 20)))
def test_three_paths_agree_on_any_tool_call_sequence(harness, calls, seed):
    harness.check(calls, seed=seed)


def test_harness_detects_a_disagreement(harness, monkeypatch):
    """The harness can fail: a production path that drifts is caught."""
    import tests.properties.parity as parity

    real = parity.run_production_mcp

    def drifting(url, calls, seed):
        outcomes = real(url, calls, seed)
        return [("ok", "drift"), *outcomes[1:]]

    monkeypatch.setattr(parity, "run_production_mcp", drifting)
    with pytest.raises(AssertionError, match="production_mcp disagrees"):
        harness.check([("get_count", {})], seed=0)


def test_seeded_production_session_matches_seeded_reset(harness):
    outcomes = harness.check([("get_count", {}), ("add", {"amount": 3})], seed=3)
    assert outcomes == [("ok", {"count": 3}), ("ok", {"count": 6})]
