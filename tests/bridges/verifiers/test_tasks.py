"""verifiers over the Task API: the dataset and eval dataset as train / test splits."""

from __future__ import annotations

import httpx
import pytest
from envbridge.bridges.verifiers import wrap
from envbridge.bridges.verifiers.rows import task_spec

import envbridge
from tests.helpers import serving


@pytest.fixture(scope="module")
def math_url(math_env):
    with serving(wrap(math_env, name="vf-math")) as url:
        yield url


def test_splits_are_train_and_test(math_url, math_env):
    client = envbridge.connect(math_url).sync()
    assert client.tasks.splits() == [
        {"name": "train", "type": "train"},
        {"name": "test", "type": "test"},
    ]
    assert client.tasks.count("train") == len(math_env.get_dataset())
    assert client.tasks.count("test") == len(math_env.get_eval_dataset())
    client.close()


def test_a_task_is_the_row_without_model_output(math_url, math_env):
    row = math_env.get_eval_dataset()[1]
    task = httpx.post(f"{math_url}/vf-math/task", json={"split": "test", "index": 1}).json()
    assert task["task"]["id"] == row["example_id"]
    assert task["task"]["answer"] == row["answer"]
    assert task["task"]["prompt"] == row["prompt"]
    assert "completion" not in task["task"]
    every = envbridge.connect(math_url).sync()
    answers = [task["answer"] for task in every.tasks.iter("train", page_size=3)]
    assert answers == list(math_env.get_dataset()["answer"])
    every.close()


def test_reset_onto_a_test_task_poses_its_prompt(math_url, math_env):
    row = math_env.get_eval_dataset()[2]
    with envbridge.connect(math_url).sync() as client:
        first = client.reset(split="test", index=2)
        assert first.observation["messages"][-1]["content"] == row["prompt"][-1]["content"]
        assert first.metadata["split"] == "test" and first.metadata["task_index"] == 2
        reply = client.step({"role": "assistant", "content": f"<answer>{row['answer']}</answer>"})
        assert reply.done and reply.reward == pytest.approx(1.2)


def test_an_env_without_eval_dataset_has_train_only(guess_env):
    with serving(wrap(guess_env, name="guess")) as url:
        names = envbridge.connect(url).sync().tasks.split_names()
        assert names == ["train"]


def test_model_output_columns_never_reach_a_task_spec():
    row = {
        "prompt": [{"role": "user", "content": "2+2?"}],
        "answer": "4",
        "completion": [{"role": "assistant", "content": "4"}],
        "reward": 1.0,
        "example_id": 7,
    }
    spec = task_spec(row, 3, row["example_id"])
    assert spec == {
        "id": 7,
        "index": 3,
        "prompt": row["prompt"],
        "answer": "4",
        "example_id": 7,
    }
