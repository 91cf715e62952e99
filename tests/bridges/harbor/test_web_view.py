"""/web on a harbor server, in a real browser (local backend): tools through their
generated forms, the terminal-like exec log, the files touched, the verifier's reward.

It lives with the harbor tests so their sandbox leak counters watch it too."""

from __future__ import annotations

import pytest
from envbridge.bridges.harbor import load_target
from playwright.sync_api import expect

from tests.bridges.harbor.support import TASKS_DIR
from tests.helpers import serving
from tests.web.browser import assert_not_blank, assert_tree_shows, shown_value


def _call(web, tool: str, **fields: str) -> dict:
    page = web.page
    panel = page.locator("#tools-panel")
    panel.get_by_label("Tool", exact=True).select_option(tool)
    for label, value in fields.items():
        panel.get_by_label(f"{label} *", exact=True).fill(value)
    before = len(web.received)
    web.press("Call tool")
    expect(page.locator("#result-kind")).to_have_text(f"tool {tool}")
    assert len(web.received) > before
    for frame in web.received[before:]:
        if frame["type"] == "observation":
            return frame["data"]
    raise AssertionError(f"no observation after calling {tool}: {web.received[before:]}")


def test_exec_log_files_touched_and_reward_show_what_the_protocol_returned(
    web, screenshot_dir, bwrap_required
):
    factory = load_target(str(TASKS_DIR / "hello-file"), {"backend": "local"})
    with serving(factory) as url:
        page = web.open(url).page
        expect(page.locator("#bridge-badge")).to_have_text("bridge harbor")
        expect(page.locator("#action-note")).to_contain_text("Tools panel")
        web.press("Reset")
        expect(page.locator("#result-kind")).to_have_text("reset")
        reset = web.last("observation")["data"]
        assert reset["observation"]["task_id"] == "hello-file"
        assert_tree_shows(web.tree("#observation-view"), reset["observation"])

        wrote = _call(web, "write_file", path="greeting.txt", content="Hello, harbor!\n")
        written_path = wrote["observation"]["result"]["data"]["path"]
        ran = _call(web, "exec", command="cat greeting.txt; echo oops >&2")
        result = ran["observation"]["result"]["data"]
        assert result["stdout"] == "Hello, harbor!\n" and result["stderr"] == "oops\n"
        terminal = page.locator("#bridge-view .terminal")
        assert terminal.locator(".cmd").all_text_contents() == [
            f"# write_file {written_path}\n",
            "$ cat greeting.txt; echo oops >&2\n",
        ]
        assert terminal.locator(".stdout").all_text_contents() == [result["stdout"]]
        assert terminal.locator(".stderr").all_text_contents() == [result["stderr"]]
        assert terminal.locator(".exit").all_text_contents() == [f"[exit {result['exit_code']}]\n"]
        touched = page.locator("#bridge-view .files li")
        assert touched.all_text_contents() == [f"{written_path} (written)"]

        submitted = _call(web, "submit")
        assert submitted["done"] is True and submitted["reward"] == 1.0
        assert shown_value(web.text("#result-reward")) == pytest.approx(1.0)
        assert shown_value(web.text("#result-done")) is True
        assert_tree_shows(web.tree("#state-view"), web.last("state")["data"])
        assert_not_blank(web.screenshot(screenshot_dir / "web-harbor.png"))
