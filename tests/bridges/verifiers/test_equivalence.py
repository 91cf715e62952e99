"""Bridge == native: a script played over the wire through the bridge and the same script
replayed natively through verifiers give the same prompts, history and rewards."""

from __future__ import annotations

import pytest
from envbridge.bridges.verifiers import wrap
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import envbridge
from tests.bridges.verifiers import scripts
from tests.bridges.verifiers.native import canonical, run_native, without_none
from tests.helpers import serving

SETTINGS = settings(
    max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)


def run_bridge(url: str, task_index: int, script: list[dict]) -> list:
    """Play ``script`` over /ws until done; return every reset/step result."""
    with envbridge.connect(url).sync() as client:
        results = [client.reset(task_index=task_index)]
        for message in script:
            if results[-1].done:
                break
            results.append(client.step(message))
    return results


def assert_equivalent(url: str, native_env, task_index: int, script: list[dict]) -> list:
    """Assert bridge == native for one script; return the bridge's results."""
    results = run_bridge(url, task_index, script)
    output, replay = run_native(native_env, task_index, script)

    turns = [result for result in results if not result.done]
    assert [r.observation["messages"] for r in turns] == [without_none(p) for p in replay.prompts]
    assert [r.observation["tools"] for r in turns] == replay.tools
    assert all(r.reward is None for r in turns)

    final = results[-1]
    assert final.done, "the script is long enough to finish every rollout"
    assert canonical(final.observation["messages"]) == canonical(
        [*output["prompt"], *output["completion"]]
    )
    assert final.reward == output["reward"]
    assert final.metadata["metrics"] == output["metrics"]
    assert final.metadata["stop_condition"] == output["stop_condition"]
    assert (final.metadata["error"] is None) == (output.get("error") is None)
    return results


@pytest.fixture(scope="module")
def math_url(math_env):
    with serving(wrap(math_env)) as url:
        yield url


@pytest.fixture(scope="module")
def guess_url(guess_env):
    with serving(wrap(guess_env)) as url:
        yield url


@pytest.fixture(scope="module")
def calc_url(calc_env):
    with serving(wrap(calc_env)) as url:
        yield url


@SETTINGS
@given(task_index=st.integers(0, 7), script=scripts.math_scripts)
def test_single_turn_math_matches_native(math_url, math_env, task_index, script):
    assert_equivalent(math_url, math_env, task_index, script)


@SETTINGS
@given(task_index=st.integers(0, 5), script=scripts.guess_scripts)
def test_multi_turn_guessing_matches_native(guess_url, guess_env, task_index, script):
    assert_equivalent(guess_url, guess_env, task_index, script)


@SETTINGS
@given(task_index=st.integers(0, 4), script=scripts.calc_scripts)
def test_tool_env_matches_native(calc_url, calc_env, task_index, script):
    assert_equivalent(calc_url, calc_env, task_index, script)


def test_known_episodes_score_as_expected(guess_url, guess_env, math_url, math_env):
    """Spot values, so the comparison is anchored to real scores (not just equal)."""
    results = run_bridge(guess_url, 0, [{"content": g} for g in ["5", "8", "7"]])
    assert [r.observation["messages"][-1]["content"] for r in results[1:]] == [
        "higher",
        "lower",
        "Correct!",
    ]
    assert results[-1].reward == pytest.approx(1 + 0.5 / 3)
    assert results[-1].metadata["rewards"] == {
        "solved": {"score": 1.0, "weight": 1.0},
        "efficiency": {"score": pytest.approx(1 / 3), "weight": 0.5},
    }
    results = run_bridge(math_url, 1, [{"content": "<answer>42</answer>"}])
    assert results[-1].reward == pytest.approx(1.2)


def test_comparison_detects_a_different_history(math_url, math_env):
    """The equivalence check can fail: a different native script is caught."""
    with pytest.raises(AssertionError):
        results = run_bridge(math_url, 0, [{"content": "<answer>5</answer>"}])
        output, _ = run_native(math_env, 0, [{"content": "<answer>6</answer>"}])
        assert canonical(results[-1].observation["messages"]) == canonical(
            [*output["prompt"], *output["completion"]]
        )
