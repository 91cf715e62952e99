"""Episode behaviour over the wire: row choice, rewards, validation, errors, timeouts."""

from __future__ import annotations

import time

import httpx
import pytest
from envbridge.bridges.verifiers import wrap
from envbridge.spec.client import ServerError

import envbridge
from tests.bridges.verifiers import misbehaving
from tests.helpers import serving


@pytest.fixture(scope="module")
def guess_url(guess_env):
    with serving(wrap(guess_env)) as url:
        yield url


@pytest.fixture(scope="module")
def exploding_url():
    with serving(wrap(misbehaving.exploding_env())) as url:
        yield url


def user_prompt(result) -> str:
    return result.observation["messages"][0]["content"]


def test_same_seed_same_row_and_task_index_picks_the_row(guess_env, guess_url):
    rows = guess_env.get_dataset()
    with envbridge.connect(guess_url).sync() as client:
        seeded = [client.reset(seed=11).metadata["task_index"] for _ in range(3)]
        assert len(set(seeded)) == 1
        picked = {client.reset(seed=s).metadata["task_index"] for s in range(30)}
        assert len(picked) > 1, "different seeds reach different rows"
        for index in range(len(rows)):
            result = client.reset(task_index=index)
            assert result.metadata["task_index"] == index
            assert result.metadata["example_id"] == rows[index]["example_id"]
        # the Task API's selection: split + index
        assert client.reset(split="train", index=1).metadata["task_index"] == 1


@pytest.mark.parametrize(
    ("options", "loc"),
    [
        ({"task_index": 99}, ["options", "task_index"]),
        ({"task_index": "0"}, ["options", "task_index"]),
        ({"split": "test"}, ["split"]),  # no eval dataset: the Task API lists train only
        ({"split": "train", "index": 99}, ["index"]),
        ({"difficulty": "hard"}, ["options", "difficulty"]),
    ],
)
def test_bad_reset_options_are_validation_errors(guess_url, options, loc):
    with envbridge.connect(guess_url).sync() as client:
        with pytest.raises(ServerError) as caught:
            client.reset(**options)
        assert caught.value.code == "VALIDATION_ERROR"
        assert caught.value.data["errors"][0]["loc"] == loc
        assert client.reset(task_index=0).done is False  # the session lives on


@pytest.mark.parametrize(
    "action",
    [
        {"role": "user", "content": "5"},
        {"content": 5},
        {"content": "5", "surprise": True},
        {"tool_calls": [{"id": "c1", "function": {"name": "calculate"}}]},
        {"tool_calls": [{"id": "c1", "function": {"name": "f", "arguments": {"a": 1}}}]},
    ],
)
def test_malformed_assistant_messages_are_validation_errors(guess_url, action):
    with envbridge.connect(guess_url).sync() as client:
        client.reset(task_index=0)
        with pytest.raises(ServerError) as caught:
            client.step(action)
        assert caught.value.code == "VALIDATION_ERROR"
        assert caught.value.data["errors"], "errors carry pydantic-style details"
        assert client.step({"content": "7"}).done is True  # secret of row 0 is 7


def test_reward_is_null_until_the_rollout_ends_then_done_is_final(guess_url):
    with envbridge.connect(guess_url).sync() as client:
        first = client.reset(task_index=1)  # secret 3
        assert (first.reward, first.done) == (None, False)
        assert first.observation["tools"] == []
        middle = client.step({"content": "9"})
        assert (middle.reward, middle.done) == (None, False)
        assert middle.observation["messages"][-1] == {"role": "user", "content": "lower"}
        last = client.step({"content": "3"})
        assert last.done is True
        assert last.reward == pytest.approx(1.25)
        assert last.metadata["stop_condition"] == "has_final_env_response"
        assert client.state()["reward"] == pytest.approx(1.25)
        with pytest.raises(ServerError) as caught:
            client.step({"content": "3"})
        assert caught.value.code == "EPISODE_DONE"


def test_max_turns_ends_the_rollout_with_verifiers_score(guess_url):
    with envbridge.connect(guess_url).sync() as client:
        client.reset(task_index=2)  # secret 10
        results = [client.step({"content": "1"}) for _ in range(5)]
        assert [r.done for r in results] == [False] * 4 + [True]
        assert results[-1].reward == 0.0
        assert results[-1].metadata["stop_condition"] == "max_turns_reached"


def test_environment_exception_is_execution_error_and_session_survives(exploding_url):
    with (
        envbridge.connect(exploding_url).sync() as client,
        envbridge.connect(exploding_url).sync() as bystander,
    ):
        bystander.reset(task_index=0)
        client.reset(task_index=0)
        assert client.step({"content": "hello"}).observation["messages"][-1]["content"] == "ok"
        with pytest.raises(ServerError) as caught:
            client.step({"content": "boom"})
        assert caught.value.code == "EXECUTION_ERROR"
        assert "kaboom from env_response" in caught.value.message
        with pytest.raises(ServerError) as again:
            client.step({"content": "hello"})
        assert again.value.code == "EXECUTION_ERROR"
        assert "reset" in again.value.message
        assert client.reset(task_index=0).done is False  # same connection, new episode
        assert bystander.step({"content": "fine"}).done is False
    assert httpx.get(f"{exploding_url}/health", trust_env=False).status_code == 200


def test_exception_during_setup_fails_reset_cleanly():
    with serving(wrap(misbehaving.broken_setup_env())) as url:
        with envbridge.connect(url).sync() as client:
            with pytest.raises(ServerError) as caught:
                client.reset()
            assert caught.value.code == "EXECUTION_ERROR"
            assert "missing resource in setup_state" in caught.value.message
        assert httpx.get(f"{url}/health", trust_env=False).status_code == 200


def test_rollout_timeout_while_trainer_thinks_ends_the_episode():
    """The rollout ends between steps: the late action is not delivered, done is true."""
    with (
        serving(wrap(misbehaving.timing_out_env(0.5))) as url,
        envbridge.connect(url).sync() as client,
    ):
        client.reset()
        assert client.step({"content": "hi"}).done is False
        time.sleep(1.0)
        late = client.step({"content": "too late"})
        assert late.done is True
        assert late.metadata["stop_condition"] == "timeout_reached"
        contents = [m.get("content") for m in late.observation["messages"]]
        assert "too late" not in contents
        assert "hi" in contents
