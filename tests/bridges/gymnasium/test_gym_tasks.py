"""Gymnasium over the Task API: 501 by default, seeds/options from --tasks as splits."""

from __future__ import annotations

import json
import sys

import httpx
import pytest
from envbridge.bridges.gymnasium import load_target, wrap
from envbridge.spec.client import ServerError, TasksUnsupported

import envbridge
from tests.helpers import ROOT, serving, serving_processes


def test_a_gym_env_without_tasks_answers_501():
    with serving(wrap("CartPole-v1")) as url:
        client = envbridge.connect(url).sync()
        with pytest.raises(TasksUnsupported):
            client.tasks.splits()
        assert client.reset(seed=3).observation  # split-less resets still work
        client.close()


def test_tasks_from_a_list_reset_with_their_seed():
    tasks = {"train": [5, {"seed": 9}, {"seed": 5, "options": {"low": -0.1, "high": 0.1}}]}
    with serving(wrap("CartPole-v1", tasks=tasks)) as url:
        client = envbridge.connect(url).sync()
        assert client.tasks.splits() == [{"name": "train", "type": "train"}]
        assert client.tasks.get("train", 2) == {
            "index": 2,
            "seed": 5,
            "options": {"low": -0.1, "high": 0.1},
        }
        by_task = client.reset(split="train", index=1).observation
        by_seed = client.reset(seed=9).observation
        assert by_task == by_seed
        narrow = client.reset(split="train", index=2).observation["observation"]
        assert all(abs(x) <= 0.1 for x in narrow)
        with pytest.raises(ServerError) as error:
            client.reset(split="train", index=3)
        assert error.value.code == "VALIDATION_ERROR"
        client.close()


@pytest.mark.parametrize(
    ("tasks", "says"),
    [([], "non-empty"), ({"train": [{"seed": -1}]}, "greater than"), ([{"sed": 1}], "sed")],
)
def test_bad_task_lists_fail_at_start(tasks, says):
    with pytest.raises(ValueError, match=says):
        load_target("CartPole-v1", {"tasks": tasks})


def test_cli_tasks_file(tmp_path):
    path = tmp_path / "tasks.json"
    path.write_text(json.dumps({"train": [1, 2, 3], "holdout": [{"seed": 42}]}))
    argv = lambda port: [  # noqa: E731
        sys.executable,
        "-m",
        "envbridge",
        "serve",
        "gym:CartPole-v1",
        "--tasks",
        str(path),
        "--port",
        str(port),
    ]
    with serving_processes(argv, cwd=str(ROOT)) as (url,):
        client = envbridge.connect(url).sync()
        assert client.tasks.splits()[1] == {"name": "holdout", "type": "validation"}
        assert client.tasks.count("train") == 3
        name = client.tasks.env_name()
        reply = httpx.post(f"{url}/{name}/task", json={"split": "holdout", "index": 0})
        assert reply.json() == {"task": {"index": 0, "seed": 42, "options": None}}
        client.close()
    with pytest.raises(ValueError, match="not JSON"):
        (tmp_path / "bad.json").write_text("{")
        load_target("CartPole-v1", {"tasks": str(tmp_path / "bad.json")})
