"""The /web page itself: served in both modes, self-contained and locked down by its
Content-Security-Policy, forms generated from JSON Schema, errors shown, every control
labelled and usable by keyboard, and no markup from the server ever executed."""

from __future__ import annotations

import re

import httpx
import pytest
from envbridge.spec.server.web_page import web_page
from playwright.sync_api import expect

from envs.native.counter import CounterEnv
from tests.helpers import serving
from tests.web.browser import WebPage, assert_tree_shows
from tests.web.web_envs import HOSTILE, FormEnv, HostileEnv


@pytest.fixture(scope="module")
def counter_url():
    with serving(CounterEnv) as url:
        yield url


@pytest.mark.parametrize("mode", ["simulation", "production"])
def test_web_is_one_self_contained_page_in_both_modes(mode):
    with serving(CounterEnv, mode=mode) as url:
        response = httpx.get(f"{url}/web", trust_env=False)
        assert httpx.get(url, trust_env=False).json()["web"] == "/web"
    assert response.status_code == 200
    assert response.headers["content-type"] == "text/html; charset=utf-8"
    page = response.text
    assert "/*envbridge:" not in page, "every asset is inlined"
    assert not re.search(r"""(src|href)\s*=\s*["']?(https?:)?//|@import|url\(""", page)
    policy = response.headers["content-security-policy"]
    assert "default-src 'none'" in policy and "script-src 'sha256-" in policy
    assert "unsafe-inline" not in policy and "unsafe-eval" not in policy
    assert response.content == web_page()[0]


def test_the_form_follows_the_schema_numbers_enums_arrays_nested_objects(web):
    with serving(FormEnv) as url:
        page = web.open(url).page
        web.press("Reset")
        panel = page.locator("#action-panel")
        panel.get_by_label("count *").fill("3")
        panel.get_by_label("speed").fill("1.5")
        panel.get_by_label("colour *").select_option("green")
        panel.get_by_label("flag").check()
        panel.get_by_label("target.x *").fill("1")
        panel.get_by_label("target.y *").fill("-2")
        panel.get_by_role("button", name="Add item to path").click()
        panel.get_by_role("button", name="Add item to path").click()
        panel.get_by_label("path[0] *").fill("4")
        panel.get_by_label("path[1] *").fill("5")
        panel.get_by_label("pair[0] *").fill("ab")
        panel.get_by_label("pair[1] *").fill("7")
        panel.get_by_label("extra (JSON)").fill('{"k": [1]}')
        web.press("Step")
        action = {
            "count": 3,
            "speed": 1.5,
            "colour": "green",
            "flag": True,
            "target": {"x": 1, "y": -2},
            "path": [4, 5],
            "pair": ["ab", 7],
            "extra": {"k": [1]},
        }
        assert {"type": "step", "data": action} in web.sent
        stepped = web.last("observation")["data"]
        assert stepped["observation"]["got"] == action
        assert_tree_shows(web.tree("#observation-view"), stepped["observation"])

        # Raw JSON: starts from the form's value; what is typed is sent as is.
        panel.get_by_label("Edit as raw JSON").check()
        raw = panel.get_by_label("Action (JSON)")
        assert '"colour": "green"' in raw.input_value()
        raw.fill(
            '{"count": 9, "colour": "red", "flag": false, "target": {"x": 0, "y": 0}, '
            '"pair": ["", 0]}'
        )
        web.press("Step")
        assert web.last("observation")["data"]["reward"] == 9


def test_bad_input_is_shown_and_never_sent_or_crashes_the_page(web, counter_url):
    page = web.open(counter_url).page
    web.press("Step")  # before any reset: the server's structured error is shown
    expect(page.locator("#result-error")).to_contain_text("EPISODE_NOT_STARTED")
    sent = len(web.sent)
    page.get_by_label("Edit as raw JSON").check()
    page.get_by_label("Action (JSON)").fill("{not json")
    web.press("Step")
    expect(page.locator("#action-error")).to_contain_text("not valid JSON")
    assert len(web.sent) == sent, "a malformed action must not be sent"
    web.press("Reset")
    page.get_by_label("Action (JSON)").fill('{"delta": "many"}')
    web.press("Step")
    expect(page.locator("#result-error")).to_contain_text("VALIDATION_ERROR")
    expect(page.locator("#result-error")).to_contain_text('["delta"]')


@pytest.mark.parametrize("env", [FormEnv, CounterEnv], ids=["schema-form", "tools"])
def test_every_control_is_labelled(web, env):
    with serving(env) as url:
        page = web.open(url).page
        page.get_by_text("More reset options").click()
        if env is FormEnv:
            page.get_by_role("button", name="Add item to path").click()
        else:
            expect(page.locator("#tools-panel")).to_be_visible()
            page.get_by_label("Edit arguments as raw JSON").check()
        controls = page.locator("input, select, textarea, button")
        unnamed = []
        for i in range(controls.count()):
            control = controls.nth(i)
            if not control.is_visible():
                continue
            name = control.evaluate(
                "e => (e.labels && e.labels.length ? [...e.labels].map(l => l.textContent)"
                ".join(' ') : '') || e.getAttribute('aria-label') || "
                "(e.tagName === 'BUTTON' ? e.textContent : '')"
            )
            if not name.strip():
                unnamed.append(control.evaluate("e => e.outerHTML.slice(0, 120)"))
        assert controls.count() > 15
        assert not unnamed, f"controls without an accessible name: {unnamed}"
        snapshot = page.locator("main").aria_snapshot()
        for line in snapshot.splitlines():
            if re.match(r"\s*- (textbox|spinbutton|combobox|checkbox|button)\b", line):
                assert '"' in line, f"unnamed control in the accessibility tree: {line}"


def _tab_to(web: WebPage, selector: str, limit: int = 60) -> None:
    target = web.page.locator(selector)
    for _ in range(limit):
        web.page.keyboard.press("Tab")
        if target.evaluate("e => e === document.activeElement"):
            return
    raise AssertionError(f"Tab never reached {selector}")


def test_keyboard_only_reset_and_step(web, counter_url):
    page = web.open(counter_url).page
    _tab_to(web, "#reset-seed")
    page.keyboard.type("3")
    _tab_to(web, "#reset-button")
    page.keyboard.press("Enter")
    web.idle()
    expect(page.locator("#result-kind")).to_have_text("reset")
    assert web.last("observation")["data"]["observation"]["count"] == 3
    _tab_to(web, "#action-fields input")
    page.keyboard.press("Control+A")
    page.keyboard.type("4")
    page.keyboard.press("Enter")  # implicit submission from the field
    web.idle()
    expect(page.locator("#result-steps")).to_have_text("1")
    assert web.last("observation")["data"]["observation"]["count"] == 7
    _tab_to(web, "#history-download")
    with page.expect_download() as download:
        page.keyboard.press("Space")
    assert download.value.suggested_filename == "counter-history.jsonl"


def test_markup_from_the_server_is_shown_as_text_never_run(browser):
    """Attack: an environment puts HTML and script in every string the page prints.
    With the CSP switched off, the page's own escaping alone must hold."""
    context = browser.new_context(bypass_csp=True)
    try:
        web = WebPage(context.new_page())
        with serving(HostileEnv) as url:
            page = web.open(url).page
            web.press("Reset")
            expect(page.locator("#result-kind")).to_have_text("reset")
            assert page.locator("#env-name").text_content() == HOSTILE
            assert web.tree("#observation-view")["/text"] == f'"{HOSTILE}"'
            assert page.locator("#tool-select option").first.text_content() == HOSTILE.replace(
                " ", "_"
            )
            web.press("Call tool")
            expect(page.locator("#result-kind")).to_contain_text("tool")
            assert page.locator("#observation-view img, #tools-panel img, header img").count() == 0
            assert page.locator("script").count() == 1  # the page's own
            assert page.evaluate("() => window.pwned") is None
        assert not web.errors, web.errors
    finally:
        context.close()


def test_task_api_controls_appear_only_when_the_server_has_the_task_api(web, counter_url):
    """A server without the Task API: no split/index controls, and reset sends neither."""
    page = web.open(counter_url).page
    expect(page.locator("#task-controls")).to_be_hidden()
    web.press("Reset")
    reset = next(f for f in web.sent if f["type"] == "reset")
    assert "split" not in reset["data"] and "index" not in reset["data"]
