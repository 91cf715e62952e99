"""``envbridge check --html FILE``: the report as one self-contained page, shown in a real
browser (nothing fetched), with each failure's exchange and rule."""

from __future__ import annotations

import contextlib
import html

from envbridge.conformance import catalogue
from envbridge.conformance.broken import by_target
from envbridge.conformance.cli import EXIT_FAILED, EXIT_PASSED, main

from tests.helpers import serving_app
from tests.web.browser import assert_not_blank, chromium

# The kit runs its own asyncio loop, which cannot start while Playwright's sync API holds
# the main thread's: each test runs the kit first, then opens the browser.


@contextlib.contextmanager
def _opened(path):
    """The file in Chromium: (page, every URL it requested besides itself)."""
    with chromium() as browser:
        page = browser.new_page()
        requested: list[str] = []
        page.on("request", lambda request: requested.append(request.url))
        page.goto(path.as_uri())
        yield page, [url for url in requested if url != path.as_uri()]


def test_a_passing_report_is_one_offline_page_with_every_check(healthy_url, tmp_path):
    report = tmp_path / "report.html"
    assert main([healthy_url, "--quick", "--quiet", "--html", str(report)]) == EXIT_PASSED
    text = report.read_text()
    assert "PASSED: every MUST check passed" in text
    assert "<script" not in text and "http://" not in text.replace(healthy_url, "")
    with _opened(report) as (page, fetched):
        assert fetched == [], f"the report fetched {fetched}"
        ran = page.locator("table[aria-label='every check'] tr[id]")
        assert ran.evaluate_all("rows => rows.map(r => r.id)") == [
            spec.id for spec in catalogue() if spec.quick
        ]
        assert_not_blank(page.screenshot(full_page=True))


def test_a_failure_shows_what_was_sent_what_came_back_and_the_rule(tmp_path):
    report = tmp_path / "broken.html"
    with serving_app(by_target("http.health").build()) as url:
        assert main([url, "--only", "http", "--quiet", "--html", str(report)]) == EXIT_FAILED
    text = report.read_text()
    assert "FAILED: 1 MUST check(s) failed" in text
    spec = next(spec for spec in catalogue() if spec.id == "http.health")
    with _opened(report) as (page, _):
        row = page.locator("tr[id='http.health']")
        assert row.get_attribute("class") == "fail-must"
        details = row.locator("details")
        assert details.get_attribute("open") is not None
        shown = details.inner_text()
        assert "GET /health" in shown and '"status": "ok"' in shown
        for field in (spec.rule, spec.sends, spec.expects):
            assert html.unescape(field) in shown
