"""The Task API routes and reset(split, index) on envbridge servers (both modes)."""

from __future__ import annotations

import json
from typing import Any, ClassVar

import httpx
import pytest
from envbridge.spec import Environment, Observation
from envbridge.spec.client import InvalidTask, ServerError, TasksUnsupported, UnknownEnvironment
from envbridge.spec.tasks import normalize_split, slice_indices
from websockets.sync.client import connect

import envbridge
from envs.native import quiz_tasks
from envs.native.counter import CounterEnv
from envs.native.quiz import QuizEnv
from tests.helpers import serving


@pytest.fixture(scope="module", params=["simulation", "production"])
def quiz(request):
    with serving(QuizEnv, mode=request.param) as url:
        yield url


def test_routes_answer_openenv_shapes(quiz):
    http = httpx.Client(base_url=quiz, trust_env=False)
    assert http.get("/list_environments").json() == ["quiz"]
    assert http.get("/quiz/splits").json() == [
        {"name": "train", "type": "train"},
        {"name": "test", "type": "test"},
        {"name": "dev", "type": "validation"},
    ]
    listed = http.post("/quiz/tasks", json={"split": "test"}).json()
    assert listed == {"tasks": quiz_tasks.listed("test"), "env_name": "quiz"}
    assert http.post("/quiz/num_tasks", json={"split": "train"}).json() == {"num_tasks": 100_000}
    assert http.post("/Quiz/task", json={"split": "dev", "index": 2}).json() == {
        "task": quiz_tasks.task("dev", 2)
    }
    for start, stop in [(None, None), (1, 3), (-2, None), (3, 1), (None, 99)]:
        got = http.post("/quiz/task_range", json={"split": "test", "start": start, "stop": stop})
        assert got.json() == {"tasks": quiz_tasks.listed("test")[start:stop]}


def test_large_split_range_streams_the_tail(quiz):
    http = httpx.Client(base_url=quiz, trust_env=False)
    tail = http.post("/quiz/task_range", json={"split": "train", "start": -3}).json()["tasks"]
    assert [t["index"] for t in tail] == [99_997, 99_998, 99_999]
    # list_tasks of the huge split is a preview; num_tasks stays exact.
    preview = http.post("/quiz/tasks", json={"split": "train"}).json()["tasks"]
    assert len(preview) == quiz_tasks.PREVIEW


@pytest.mark.parametrize(
    ("path", "body", "status", "code"),
    [
        ("/quiz/task", {"split": "test", "index": 5}, 400, "INVALID_TASK"),
        ("/quiz/task", {"split": "test", "index": -1}, 400, "INVALID_TASK"),
        ("/quiz/task", {"split": "test", "index": 10**30}, 400, "INVALID_TASK"),
        ("/quiz/task", {"split": "../test", "index": 0}, 400, "INVALID_TASK"),
        ("/quiz/num_tasks", {"split": "nope"}, 400, "INVALID_TASK"),
        ("/other/num_tasks", {"split": "test"}, 404, "UNKNOWN_ENVIRONMENT"),
    ],
)
def test_errors_are_structured(quiz, path, body, status, code):
    response = httpx.post(quiz + path, json=body, trust_env=False)
    assert response.status_code == status
    assert response.json()["detail"]["code"] == code


@pytest.mark.parametrize(
    "body",
    [{}, {"split": 3}, {"split": "test", "index": "x"}, {"split": "test", "extra": 1}],
)
def test_malformed_bodies_are_422(quiz, body):
    response = httpx.post(quiz + "/quiz/task", json=body, trust_env=False)
    assert response.status_code == 422
    assert all(error["loc"][0] == "body" for error in response.json()["detail"])


def test_not_json_and_wrong_method(quiz):
    bad = httpx.post(quiz + "/quiz/task", content=b"{", trust_env=False)
    assert bad.status_code == 422 and bad.json()["detail"][0]["type"] == "json_invalid"
    assert httpx.get(quiz + "/quiz/task", trust_env=False).status_code == 405


def test_an_env_without_tasks_answers_501():
    with serving(CounterEnv) as url:
        splits = httpx.get(url + "/counter/splits", trust_env=False)
        count = httpx.post(url + "/counter/num_tasks", json={"split": "x"}, trust_env=False)
        assert splits.status_code == count.status_code == 501
        assert splits.json()["detail"]["code"] == "TASKS_UNSUPPORTED"
        client = envbridge.connect(url).sync()
        with pytest.raises(ServerError) as error:
            client.reset(split="train", index=0)
        assert error.value.code == "VALIDATION_ERROR"
        with pytest.raises(TasksUnsupported):
            client.tasks.splits()
        client.close()


class Faulty(Environment):
    """Task methods that break in every way an env can."""

    name = "faulty"
    blocking = False
    calls: ClassVar[list[str]] = []

    def reset(self, *, seed=None, episode_id=None, options=None):
        return Observation({})

    def step(self, action):
        return Observation({})

    def list_splits(self):
        return ["a", {"name": "b", "type": "train", "size": "huge"}]

    def num_tasks(self, split):
        if split == "b":
            return "many"  # not an int
        return 2

    def get_task(self, split, index):
        raise RuntimeError("dataset offline")


def test_env_bugs_are_500_with_a_structured_body():
    with serving(Faulty) as url:
        http = httpx.Client(base_url=url, trust_env=False)
        assert http.get("/faulty/splits").json()[1] == {
            "name": "b",
            "type": "train",
            "size": "huge",
        }
        for path, body in [
            ("/faulty/num_tasks", {"split": "b"}),
            ("/faulty/task", {"split": "a", "index": 0}),
        ]:
            response = http.post(path, json=body)
            assert response.status_code == 500
            assert response.json()["detail"]["code"] == "EXECUTION_ERROR"
        # list_tasks is derived from num_tasks + get_task, so the get_task failure shows.
        assert http.post("/faulty/tasks", json={"split": "a"}).status_code == 500
        assert http.get("/health").status_code == 200


def test_reset_selects_the_task_over_ws_and_http():
    with serving(QuizEnv) as url:
        for transport in ("ws", "http"):
            client = envbridge.connect(url, transport=transport).sync()
            first = client.reset(split="dev", index=1)
            assert first.observation["task_id"] == "dev-1"
            right = quiz_tasks.answer("dev", 1)
            assert client.step({"answer": right}).reward == 1.0
            for bad in ({"split": "dev", "index": 3}, {"split": "x", "index": 0}, {"index": 0}):
                with pytest.raises(ServerError) as error:
                    client.reset(**bad)
                assert error.value.code == "VALIDATION_ERROR"
            client.close()
        # a raw /ws frame: the error frame keeps the connection open
        with connect(url.replace("http", "ws") + "/ws") as ws:
            ws.send(json.dumps({"type": "reset", "data": {"split": "test", "index": True}}))
            reply = json.loads(ws.recv())
            assert reply["data"]["code"] == "VALIDATION_ERROR"
            ws.send(json.dumps({"type": "reset", "data": {"split": "test", "index": 4}}))
            assert json.loads(ws.recv())["data"]["observation"]["task_id"] == "test-4"


def _rpc(http: httpx.Client, method: str, params: dict[str, Any]) -> dict[str, Any]:
    body = {"jsonrpc": "2.0", "id": 1, "method": method, "params": params}
    return http.post("/mcp", json=body).json()


def test_mcp_session_create_starts_the_task_in_production():
    with serving(QuizEnv, mode="production") as url:
        http = httpx.Client(base_url=url, trust_env=False)
        created = _rpc(http, "openenv/session/create", {"split": "test", "index": 2})
        session_id = created["result"]["session_id"]
        asked = _rpc(http, "tools/call", {"name": "question", "session_id": session_id})
        assert asked["result"]["data"]["task_id"] == "test-2"
        bad = _rpc(http, "openenv/session/create", {"split": "test", "index": 7})
        assert bad["error"]["code"] == -32602
        assert bad["error"]["data"]["code"] == "VALIDATION_ERROR"
        _rpc(http, "openenv/session/close", {"session_id": session_id})


def test_client_tasks_async_and_sync(quiz):
    sync = envbridge.connect(quiz).sync()
    assert sync.tasks.split_names() == ["train", "test", "dev"]
    assert sync.tasks.count("test") == 5
    assert sync.tasks.get("test", 0) == quiz_tasks.task("test", 0)
    assert sync.tasks.range("train", 10, 12) == [quiz_tasks.task("train", i) for i in (10, 11)]
    assert [len(page) for page in sync.tasks.pages("test", page_size=2)] == [2, 2, 1]
    assert list(sync.tasks.iter("dev", page_size=2)) == quiz_tasks.listed("dev")
    with pytest.raises(InvalidTask):
        sync.tasks.get("test", 9)
    sync.close()
    other = envbridge.connect(quiz).sync()
    other.tasks._env_name = "nope"
    with pytest.raises(UnknownEnvironment):
        other.tasks.count("test")
    other.close()


@pytest.mark.anyio
async def test_async_client_tasks(quiz):
    async with envbridge.connect(quiz) as client:
        assert await client.tasks.count("dev") == 3
        assert await client.tasks.list_tasks("dev") == quiz_tasks.listed("dev")
        seen = [task async for task in client.tasks.iter("test", page_size=3)]
        assert seen == quiz_tasks.listed("test")


def test_normalisation_and_slices():
    assert normalize_split("holdout") == {"name": "holdout", "type": "validation"}
    assert normalize_split(3) == {"name": "3", "type": "validation"}
    for start, stop in [(None, None), (-3, -1), (2, 100), (5, 2)]:
        assert list(slice_indices(7, start, stop)) == list(range(7))[start:stop]
