"""The Task API gives identical answers from envbridge and from the official OpenEnv server.

Both servers hold the sample quiz's tasks (``envs.native.quiz`` on envbridge,
``envs.openenv_native.quiz_app`` on openenv 0.10's ``create_app``). The same plain HTTP
calls OpenEnv's own tests make must return the same status and JSON; ``client.tasks``
and ``reset(split, index)`` must return the same values from both.
"""

from __future__ import annotations

import httpx
import pytest
from envbridge.spec.client import InvalidTask, UnknownEnvironment

import envbridge
from envs.native.quiz import QuizEnv
from tests.helpers import ROOT, serving, serving_processes, uvicorn_app

SUCCESS_CALLS = [
    ("GET", "/list_environments", None),
    ("GET", "/quiz/splits", None),
    ("POST", "/quiz/tasks", {"split": "test"}),
    ("POST", "/quiz/tasks", {"split": "dev"}),
    ("POST", "/quiz/tasks", {"split": "train"}),
    ("POST", "/quiz/num_tasks", {"split": "train"}),
    ("POST", "/quiz/num_tasks", {"split": "dev"}),
    ("POST", "/quiz/task", {"split": "test", "index": 4}),
    ("POST", "/QUIZ/task", {"split": "train", "index": 99_999}),
    ("POST", "/quiz/task_range", {"split": "test", "start": 1, "stop": 3}),
    ("POST", "/quiz/task_range", {"split": "test"}),
    ("POST", "/quiz/task_range", {"split": "train", "start": -2}),
    ("POST", "/quiz/task_range", {"split": "dev", "start": 2, "stop": 1}),
]
ERROR_CALLS = [  # same status; the bodies differ (envbridge's are structured)
    ("POST", "/quiz/task", {"split": "test", "index": 5}),
    ("POST", "/other/splits", None),
    ("POST", "/quiz/task", {"split": "test"}),
    ("POST", "/quiz/num_tasks", {"split": ["test"]}),
    ("POST", "/quiz/task_range", {"split": "test", "start": "a"}),
    ("GET", "/quiz/task", None),
]


@pytest.fixture(scope="module")
def servers():
    env = {"ENABLE_WEB_INTERFACE": "false"}
    with (
        serving_processes(
            uvicorn_app("envs.openenv_native.quiz_app:app"), env=env, cwd=str(ROOT)
        ) as (official,),
        serving(QuizEnv) as ours,
    ):
        yield official, ours


def _call(url: str, method: str, path: str, body) -> tuple[int, object]:
    response = httpx.request(method, url + path, json=body, trust_env=False, timeout=30)
    return response.status_code, response.json()


@pytest.mark.parametrize(("method", "path", "body"), SUCCESS_CALLS)
def test_identical_answers(servers, method, path, body):
    official, ours = servers
    expected = _call(official, method, path, body)
    assert expected[0] == 200
    assert _call(ours, method, path, body) == expected


@pytest.mark.parametrize(("method", "path", "body"), ERROR_CALLS)
def test_identical_error_statuses(servers, method, path, body):
    official, ours = servers
    assert _call(ours, method, path, body)[0] == _call(official, method, path, body)[0]


def test_client_tasks_identical(servers):
    results = []
    for url in servers:
        client = envbridge.connect(url).sync()
        tasks = client.tasks
        results.append(
            (
                tasks.splits(),
                tasks.count("train"),
                tasks.get("dev", 1),
                tasks.range("train", 500, 503),
                list(tasks.iter("test", page_size=2)),
                client.reset(split="test", index=3).observation["task_id"],
            )
        )
        with pytest.raises(InvalidTask):
            tasks.get("test", 99)
        tasks._env_name = "unknown"
        with pytest.raises(UnknownEnvironment):
            tasks.count("test")
        client.close()
    assert results[0] == results[1]
    assert results[0][-1] == "test-3"


@pytest.mark.anyio
async def test_async_client_tasks_identical(servers):
    results = []
    for url in servers:
        async with envbridge.connect(url) as client:
            results.append(
                (
                    await client.tasks.split_names(),
                    await client.tasks.count("dev"),
                    await client.tasks.range("dev", -2),
                    [task async for task in client.tasks.iter("test", page_size=2)],
                )
            )
    assert results[0] == results[1]
