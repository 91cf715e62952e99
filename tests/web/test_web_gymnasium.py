"""/web on a Gymnasium server, in a real browser: reset, a step through the generated
form (a Dict action: a Discrete and a Text), frames only when asked, history as JSONL."""

from __future__ import annotations

import base64
import io
import json

import pytest
from envbridge.bridges.gymnasium import wrap
from playwright.sync_api import expect

import envbridge
import envs.gymnasium  # noqa: F401  (registers envbridge/Courier-v0)
from tests.helpers import serving
from tests.web.browser import assert_not_blank, assert_tree_shows, shown_value


@pytest.fixture(scope="module")
def courier_url():
    with serving(wrap("envbridge/Courier-v0", render_mode="rgb_array")) as url:
        yield url


def _render_calls(web) -> int:
    return sum(
        frame.get("type") == "mcp"
        and frame["data"].get("method") == "tools/call"
        and frame["data"]["params"]["name"] == "render"
        for frame in web.sent
    )


def test_reset_and_a_form_step_show_what_the_protocol_returned(web, courier_url, screenshot_dir):
    page = web.open(courier_url).page
    expect(page.locator("#bridge-badge")).to_have_text("bridge gymnasium")
    page.get_by_label("Seed").fill("7")
    web.press("Reset")
    expect(page.locator("#result-kind")).to_have_text("reset")
    reset = web.last("observation")["data"]
    assert_tree_shows(web.tree("#observation-view"), reset["observation"])

    label = reset["observation"]["observation"]["parcel"][0]
    action_panel = page.locator("#action-panel")
    action_panel.get_by_label("action.move *").fill("3")
    action_panel.get_by_label("action.label *").fill(label)
    web.press("Step")
    expect(page.locator("#result-steps")).to_have_text("1")
    stepped = web.last("observation")["data"]
    assert {"type": "step", "data": {"action": {"move": 3, "label": label}}} in web.sent
    assert_tree_shows(web.tree("#observation-view"), stepped["observation"])
    assert shown_value(web.text("#result-reward")) == pytest.approx(stepped["reward"])
    assert shown_value(web.text("#result-done")) is stepped["done"]
    assert "1 steps" in page.locator("#reward-chart svg").get_attribute("aria-label")

    # The same seed and action through envbridge's own client give the same observation.
    with envbridge.connect(courier_url).sync() as client:
        client.reset(seed=7)
        again = client.step({"action": {"move": 3, "label": label}})
    wire = {key: value for key, value in stepped["observation"].items() if key != "metadata"}
    assert again.observation == wire and again.reward == stepped["reward"]

    state = web.last("state")["data"]
    assert state["step_count"] == 1
    assert_tree_shows(web.tree("#state-view"), state)
    web.press("Show frame")
    expect(page.locator("#frame-image")).to_be_visible()
    assert_not_blank(web.screenshot(screenshot_dir / "web-gymnasium.png"))


def test_frames_are_rendered_only_when_asked(web, courier_url):
    page = web.open(courier_url).page
    web.press("Reset")
    expect(page.locator("#result-kind")).to_have_text("reset")
    page.locator("#action-panel").get_by_label("action.move *").fill("1")
    web.press("Step")
    expect(page.locator("#result-steps")).to_have_text("1")
    assert _render_calls(web) == 0, "the page rendered a frame nobody asked for"
    web.press("Show frame")
    image = page.locator("#frame-image")
    expect(image).to_be_visible()
    assert _render_calls(web) == 1
    source = image.get_attribute("src")
    answer = web.last("mcp")["data"]["result"]["data"]
    assert source == f"data:image/png;base64,{answer['data']}"
    from PIL import Image

    with Image.open(io.BytesIO(base64.b64decode(answer["data"]))) as png:
        assert png.size == (answer["width"], answer["height"]) == (50, 50)


def test_history_downloads_as_jsonl_of_the_exchanged_frames(web, courier_url, tmp_path):
    page = web.open(courier_url).page
    web.press("Reset")
    expect(page.locator("#result-kind")).to_have_text("reset")
    with page.expect_download() as download:
        web.press("Download JSONL")
    target = tmp_path / "history.jsonl"
    download.value.save_as(target)
    entries = [json.loads(line) for line in target.read_text().splitlines()]
    assert [entry["kind"] for entry in entries] == [
        "mcp tools/list",
        "reset",
        "mcp tools/list",
        "state",
    ]
    assert [entry["sent"] for entry in entries] == web.sent
    assert [entry["received"] for entry in entries] == web.received
