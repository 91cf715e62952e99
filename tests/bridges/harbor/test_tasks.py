"""Harbor over the Task API: a folder is one split; task specs never leak tests/ or solution/."""

from __future__ import annotations

import json

import pytest
from envbridge.bridges.harbor import load_target

import envbridge
from tests.bridges.harbor.support import SAMPLE_TASK_IDS, TASKS_DIR
from tests.helpers import serving


@pytest.fixture(scope="module")
def factory():
    return load_target(str(TASKS_DIR), {"backend": "local"})


@pytest.fixture(scope="module")
def served(factory):
    """The tasks the local backend serves (it skips those needing docker), in order."""
    env = factory()
    try:
        return list(env.tasks)
    finally:
        env.close()


@pytest.fixture(scope="module")
def url(factory):
    with serving(factory) as base:
        yield base


def _secret_lines(task) -> set[str]:
    """Distinctive lines of the task's tests/ and solution/ files."""
    lines = set()
    for folder in (task.tests_dir, task.solution_dir):
        for path in folder.rglob("*"):
            if path.is_file():
                lines |= {
                    line.strip()
                    for line in path.read_text(errors="replace").splitlines()
                    if len(line.strip()) >= 12
                }
    return lines


def test_one_split_named_after_the_folder(url, served):
    client = envbridge.connect(url).sync()
    assert client.tasks.splits() == [{"name": "harbor", "type": "validation"}]
    listed = client.tasks.list_tasks("harbor")
    assert [task["id"] for task in listed] == [task.id for task in served]
    assert {task.id for task in served} <= set(SAMPLE_TASK_IDS)
    assert client.tasks.range("harbor", 1, 3) == listed[1:3]
    client.close()


def test_task_specs_carry_the_agent_view_and_no_secrets(url, served):
    client = envbridge.connect(url).sync()
    for index, task in enumerate(served):
        spec = client.tasks.get("harbor", index)
        assert spec["instruction"] == task.instruction
        assert spec["difficulty"] == task.config.metadata.get("difficulty")
        assert spec["timeouts"]["agent_sec"] == task.config.agent.timeout_sec
        text = json.dumps(spec)
        assert "solve.sh" not in text and "test.sh" not in text
        assert str(TASKS_DIR) not in text  # no host paths either
        public = task.instruction + (task.path / "task.toml").read_text()
        leaked = [line for line in _secret_lines(task) if line in text and line not in public]
        assert not leaked, f"{task.id}: {leaked[:3]}"
    client.close()


def test_a_single_task_directory_is_a_split_of_one():
    with serving(load_target(str(TASKS_DIR / "hello-file"), {"backend": "local"})) as base:
        client = envbridge.connect(base).sync()
        assert client.tasks.count("harbor") == 1
        assert client.tasks.get("harbor", 0)["id"] == "hello-file"
        client.close()


def test_reset_onto_a_task(url, served, bwrap_required):
    index = [task.id for task in served].index("hello-file")
    with envbridge.connect(url).sync() as client:
        first = client.reset(split="harbor", index=index)
        assert first.observation["task_id"] == "hello-file"
