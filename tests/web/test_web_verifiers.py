"""/web on a verifiers server, in a real browser: the chat transcript, an assistant turn
typed into the generated form, the score; production mode shows the tools only."""

from __future__ import annotations

import pytest
import vf_calc
import vf_math
from envbridge.bridges.verifiers import wrap
from playwright.sync_api import expect

from tests.helpers import serving
from tests.web.browser import assert_not_blank, assert_tree_shows, shown_value


def _assert_transcript_shows(web, messages):
    items = web.page.locator("#bridge-view .chat > li")
    assert items.count() == len(messages)
    for i, message in enumerate(messages):
        item = items.nth(i)
        assert item.get_attribute("data-role") == message["role"]
        assert item.locator(".content").first.text_content() == message["content"]


def test_transcript_and_a_typed_answer_show_what_the_protocol_returned(web, screenshot_dir):
    with serving(wrap(vf_math.load_environment())) as url:
        page = web.open(url).page
        expect(page.locator("#bridge-badge")).to_have_text("bridge verifiers")
        page.get_by_text("More reset options").click()
        page.get_by_label("Extra reset fields").fill('{"options": {"task_index": 0}}')
        web.press("Reset")
        expect(page.locator("#result-kind")).to_have_text("reset")
        reset = web.last("observation")["data"]
        assert reset["observation"]["messages"][-1]["content"] == "What is 2+3?"
        _assert_transcript_shows(web, reset["observation"]["messages"])

        page.locator("#action-panel").get_by_label("content", exact=True).fill("<answer>5</answer>")
        web.press("Step")
        expect(page.locator("#result-steps")).to_have_text("1")
        sent = web.sent[-2]  # the step, then the state refresh
        assert sent == {
            "type": "step",
            "data": {"role": "assistant", "content": "<answer>5</answer>"},
        }
        final = web.last("observation")["data"]
        assert final["done"] is True and final["reward"] == pytest.approx(1.2)
        assert shown_value(web.text("#result-reward")) == pytest.approx(final["reward"])
        assert shown_value(web.text("#result-done")) is True
        _assert_transcript_shows(web, final["observation"]["messages"])
        assert final["observation"]["messages"][-1]["role"] == "assistant"
        assert_tree_shows(web.tree("#state-view"), web.last("state")["data"])
        assert_not_blank(web.screenshot(screenshot_dir / "web-verifiers.png"))


def test_production_mode_shows_tools_only_and_calls_them_over_mcp(web):
    with serving(wrap(vf_calc.load_environment()), mode="production") as url:
        page = web.open(url).page
        expect(page.locator("#mode-badge")).to_have_text("mode production")
        for hidden in ("#episode-panel", "#action-panel", "#state-panel", "#chart-panel"):
            expect(page.locator(hidden)).to_be_hidden()
        expect(page.get_by_role("button", name="Reset")).to_have_count(0)
        expect(page.locator("#tools-panel")).to_be_visible()
        tools = page.locator("#tool-select option")
        assert tools.all_text_contents() == ["calculate"]
        page.locator("#tools-panel").get_by_label("expression").fill("6*7")
        web.press("Call tool")
        expect(page.locator("#result-kind")).to_have_text("tool calculate")
        answer = web.last("mcp")["data"]
        assert web.sent[-1]["data"]["params"] == {
            "name": "calculate",
            "arguments": {"expression": "6*7"},
        }
        assert "42" in str(answer["result"]["data"])
        assert_tree_shows(web.tree("#observation-view"), answer["result"]["data"])
        assert not any(frame["type"] in ("reset", "step", "state") for frame in web.sent)
