"""v1 Env with a user seat (vf1-guess): the environment replies between assistant turns."""

from __future__ import annotations

import asyncio

import pytest
import verifiers.v1 as vf
from envbridge.bridges.verifiers import load_target
from envbridge.bridges.verifiers.v1.environment import episode_outcome, run_env_episode
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import envbridge
from tests.bridges.verifiers_v1.test_v1_bridge import ReplayClient
from tests.helpers import serving


@pytest.fixture(scope="module")
def factory():
    return load_target("vf1-guess", {"player": {"max_turns": 3}})


@pytest.fixture(scope="module")
def url(factory):
    with serving(factory) as running:
        yield running


def play(url: str, task_index: int, guesses: list[str]) -> list:
    with envbridge.connect(url).sync() as client:
        results = [client.reset(task_index=task_index)]
        for guess in guesses:
            if results[-1].done:
                break
            results.append(client.step({"content": guess}))
    return results


@settings(
    max_examples=2, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(
    task_index=st.integers(0, 5),
    guesses=st.lists(st.integers(1, 10).map(str), min_size=3, max_size=3),
)
def test_guessing_env_matches_native(factory, url, task_index, guesses):
    results = play(url, task_index, guesses)
    replay = ReplayClient([{"content": g} for g in guesses])
    episode = asyncio.run(
        run_env_episode(
            vf.load_environment(factory.config),
            factory.tasks[task_index],
            "envbridge-policy",
            replay,
        )
    )
    native = episode_outcome(episode)

    turns = [r for r in results if not r.done]
    assert [r.observation["messages"] for r in turns] == [b["messages"] for b in replay.bodies]
    final = results[-1]
    assert final.done
    assert final.reward == pytest.approx(native.reward)
    assert final.observation["messages"] == native.history
    assert final.metadata["rewards"] == native.metadata["rewards"]
    assert final.metadata["stop_condition"] == native.metadata["stop_condition"]


def test_known_game_scores_and_env_replies(url):
    results = play(url, 0, ["5", "8", "7"])  # secret 7
    replies = [r.observation["messages"][-1]["content"] for r in results[1:-1]]
    assert replies == ["higher", "lower"], results[-1].metadata  # why it ended early
    final = results[-1]
    assert final.reward == pytest.approx(1 + 0.5 / 3)
    assert final.metadata["stop_condition"] == "user_closed"


def test_env_args_reach_the_seat_config(url):
    results = play(url, 2, ["1", "2", "3", "4"])  # secret 10; max_turns 3 from --env-args
    assert [r.done for r in results] == [False, False, False, True], results[-1].metadata
    assert results[-1].reward == 0.0
    assert results[-1].metadata["stop_condition"] == "max_turns"
