"""/web with the Task API (a verifiers server lists its dataset rows as tasks): the page
offers the splits and the task count, and reset sends the chosen split and index."""

from __future__ import annotations

import httpx
import pytest
import vf_math
from envbridge.bridges.verifiers import wrap
from playwright.sync_api import expect

from tests.helpers import serving

pytest.importorskip(
    "envbridge.spec.server.task_routes", reason="the Task API is not on this branch yet"
)


def test_reset_onto_a_chosen_task(web):
    with serving(wrap(vf_math.load_environment())) as url:
        env = httpx.get(f"{url}/list_environments", trust_env=False).json()[0]
        splits = httpx.get(f"{url}/{env}/splits", trust_env=False).json()
        count = httpx.post(f"{url}/{env}/num_tasks", json={"split": "train"}, trust_env=False)
        page = web.open(url).page
        expect(page.locator("#task-controls")).to_be_visible()
        options = page.get_by_label("Split").locator("option").all_text_contents()
        assert options == [split["name"] for split in splits]
        page.get_by_label("Split").select_option("train")
        expect(page.locator("#task-count")).to_have_text(f"{count.json()['num_tasks']} tasks")
        page.get_by_label("Task index").fill("1")
        web.press("Reset")
        reset = next(frame for frame in web.sent if frame["type"] == "reset")
        assert reset["data"] == {"split": "train", "index": 1}
        observation = web.last("observation")["data"]["observation"]
        assert observation["messages"][-1]["content"] == "What is 7*6?"
