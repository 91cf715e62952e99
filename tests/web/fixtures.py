"""Browser fixtures of the /web tests, made suite-wide by tests/conftest.py (the harbor
/web test lives with the harbor tests, under their sandbox leak counters)."""

from __future__ import annotations

import os
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.web.browser import WebPage, chromium, our_browser_processes

SCREENSHOTS_ENV = "ENVBRIDGE_WEB_SCREENSHOTS"
"""Set to a folder (docs/web) to keep the per-bridge screenshots there."""


@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    """A headless Chromium for one test module.

    Per module, not per session: Playwright's sync API holds an event loop on the main
    thread while it runs, and other modules' tests call ``asyncio.run``.
    """
    with chromium() as launched:
        yield launched
    deadline = time.monotonic() + 10
    while our_browser_processes() and time.monotonic() < deadline:
        time.sleep(0.1)
    assert not our_browser_processes(), "the test browser left processes behind"


@pytest.fixture
def web(browser: Any) -> Iterator[WebPage]:
    """A fresh tab (own context: own downloads, no shared state); no script errors allowed."""
    context = browser.new_context(viewport={"width": 1280, "height": 900}, accept_downloads=True)
    wrapped = WebPage(context.new_page())
    try:
        yield wrapped
    finally:
        context.close()
    assert not wrapped.errors, wrapped.errors


@pytest.fixture
def screenshot_dir(tmp_path: Path) -> Path:
    folder = os.environ.get(SCREENSHOTS_ENV)
    return Path(folder) if folder else tmp_path
