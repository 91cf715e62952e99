"""Fixtures for the /web tests: a real headless Chromium (see tests/web/browser.py)."""

from tests.web.fixtures import browser, screenshot_dir, web

__all__ = ["browser", "screenshot_dir", "web"]
