"""Harbor over the Task API: a folder is one split; task specs never leak tests/ or solution/."""

from __future__ import annotations

import json

import pytest
from envbridge.bridges.harbor import load_target
from envbridge.bridges.harbor.task import load_tasks

import envbridge
from tests.bridges.harbor.support import SAMPLE_TASK_IDS, TASKS_DIR
from tests.helpers import serving


@pytest.fixture(scope="module")
def url():
    with serving(load_target(str(TASKS_DIR), {"backend": "local"})) as base:
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


def test_one_split_named_after_the_folder(url):
    client = envbridge.connect(url).sync()
    assert client.tasks.splits() == [{"name": "harbor", "type": "validation"}]
    listed = client.tasks.list_tasks("harbor")
    assert [task["id"] for task in listed] == SAMPLE_TASK_IDS
    assert client.tasks.range("harbor", 1, 3) == listed[1:3]
    client.close()


def test_task_specs_carry_the_agent_view_and_no_secrets(url):
    client = envbridge.connect(url).sync()
    for index, task in enumerate(load_tasks(TASKS_DIR)):
        spec = client.tasks.get("harbor", index)
        assert spec["instruction"] == task.instruction
        assert spec["difficulty"] == task.config.metadata.get("difficulty")
        assert spec["timeouts"]["agent_sec"] == task.config.agent.timeout_sec
        text = json.dumps(spec)
        assert "solve.sh" not in text and "test.sh" not in text
        assert str(TASKS_DIR) not in text  # no host paths either
        leaked = [line for line in _secret_lines(task) if line in text]
        assert not leaked, f"{task.id}: {leaked[:3]}"
    client.close()


def test_a_single_task_directory_is_a_split_of_one():
    with serving(load_target(str(TASKS_DIR / "hello-file"), {"backend": "local"})) as base:
        client = envbridge.connect(base).sync()
        assert client.tasks.count("harbor") == 1
        assert client.tasks.get("harbor", 0)["id"] == "hello-file"
        client.close()


def test_reset_onto_a_task(url, bwrap_required):
    index = SAMPLE_TASK_IDS.index("hello-file")
    with envbridge.connect(url).sync() as client:
        first = client.reset(split="harbor", index=index)
        assert first.observation["task_id"] == "hello-file"
