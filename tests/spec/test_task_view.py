"""TaskView: large splits page through get_task and are never listed whole."""

from __future__ import annotations

import pytest
from envbridge.spec import Environment
from envbridge.spec.tasks import TaskLookupError, TasksUnsupported, TaskView


class Streamed(Environment):
    """A billion-task split: only num_tasks and get_task; list_tasks would be fatal."""

    blocking = False

    def __init__(self) -> None:
        self.fetched: list[int] = []

    def list_splits(self):
        return ["train"]

    def num_tasks(self, split):
        return 10**9

    def get_task(self, split, index):
        self.fetched.append(index)
        return {"index": index}

    def list_tasks(self, split):
        raise AssertionError("a streamed split must never be listed whole")


@pytest.mark.anyio
async def test_ranges_fetch_only_their_tasks():
    env = Streamed()
    view = TaskView(env)
    assert await view.count("train") == 10**9
    tail = await view.task_range("train", -3, None)
    assert [t["index"] for t in tail] == [10**9 - 3, 10**9 - 2, 10**9 - 1]
    assert env.fetched == [10**9 - 3, 10**9 - 2, 10**9 - 1]
    assert await view.task_range("train", 5, 5) == []
    with pytest.raises(TaskLookupError):
        await view.task("train", 10**9)


class ListedOnly(Environment):
    """Only list_splits and list_tasks: everything else is derived."""

    def list_splits(self):
        return [{"name": "eval", "type": "test", "size": 3}]

    def list_tasks(self, split):
        return ["a", "b", "c"]


@pytest.mark.anyio
async def test_a_listed_split_derives_count_task_and_range():
    view = TaskView(ListedOnly())
    assert await view.splits() == [{"name": "eval", "type": "test", "size": 3}]
    assert await view.count("eval") == 3
    assert await view.task("eval", 2) == "c"
    assert await view.task_range("eval", 1, None) == ["b", "c"]


@pytest.mark.anyio
async def test_no_tasks_and_half_implemented_providers_are_unsupported():
    with pytest.raises(TasksUnsupported):
        await TaskView(Environment()).splits()

    class SplitsOnly(Environment):
        def list_splits(self):
            return ["train"]

    with pytest.raises(TasksUnsupported):
        await TaskView(SplitsOnly()).count("train")
