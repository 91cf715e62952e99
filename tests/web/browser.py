"""A real headless Chromium (Debian's ``chromium``) driven by Playwright, for /web tests.

Playwright's own browser download is never used: the browser is the system one
(``scripts/system-deps.sh`` installs it). ``WebPage`` wraps one tab on a server's /web:
it records every WebSocket frame the page receives (what the protocol returned) and
every script error, so tests compare what the page shows with what came over the wire.
"""

from __future__ import annotations

import contextlib
import io
import json
import os
import re
import shutil
import tempfile
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

SYSTEM_CHROMIUM = ("/usr/lib/chromium/chromium", "chromium", "chromium-browser")
MARKER = f"--envbridge-web-test={uuid.uuid4().hex}"
"""An inert switch on our browser's command line, so leak checks count only our browser."""


def chromium_path() -> str:
    """The system Chromium, or fail saying how to install it."""
    for candidate in SYSTEM_CHROMIUM:
        found = shutil.which(candidate) or (candidate if Path(candidate).is_file() else None)
        if found:
            return found
    pytest.fail("Chromium is missing: run scripts/system-deps.sh (installs Debian's chromium)")


def our_browser_processes() -> list[str]:
    """Live processes started with this run's marker switch."""
    found = []
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                cmdline = (entry / "cmdline").read_bytes()
            except OSError:
                continue
            if MARKER.encode() in cmdline:
                found.append(entry.name)
    return found


@contextlib.contextmanager
def chromium() -> Iterator[Any]:
    """A launched headless Chromium (Playwright ``Browser``), closed afterwards."""
    from playwright.sync_api import sync_playwright

    # Chromium puts its singleton socket under TMPDIR, and a socket path may hold only
    # 108 bytes: test packages nest TMPDIR deep, so the browser gets a short one of its own.
    short_tmp = tempfile.mkdtemp(prefix="eb-web-", dir="/tmp")
    try:
        with sync_playwright() as playwright:
            browser = playwright.chromium.launch(
                executable_path=chromium_path(),
                args=["--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage", MARKER],
                env={**os.environ, "TMPDIR": short_tmp},
            )
            try:
                yield browser
            finally:
                browser.close()
    finally:
        shutil.rmtree(short_tmp, ignore_errors=True)


class WebPage:
    """One browser tab on a server's /web page."""

    def __init__(self, page: Any):
        self.page = page
        self.received: list[dict[str, Any]] = []
        self.sent: list[dict[str, Any]] = []
        self.errors: list[str] = []
        page.on("websocket", self._watch)
        page.on("pageerror", lambda error: self.errors.append(f"page error: {error}"))
        page.on("console", self._console)

    def _watch(self, socket: Any) -> None:
        socket.on("framereceived", lambda payload: self.received.append(json.loads(payload)))
        socket.on("framesent", lambda payload: self.sent.append(json.loads(payload)))

    def _console(self, message: Any) -> None:
        if message.type == "error" and not _task_api_probe(message):
            self.errors.append(f"console: {message.text}")

    def open(self, url: str) -> WebPage:
        """Load ``url``/web and wait until its /ws connection is up."""
        from playwright.sync_api import expect

        self.page.goto(f"{url}/web")
        expect(self.page.locator("#conn-status")).to_have_text("connected")
        return self

    def press(self, button: str) -> None:
        """Click the button named ``button`` and wait until the page is idle again."""
        self.page.get_by_role("button", name=button, exact=True).click()
        self.idle()

    def idle(self) -> None:
        """Wait until no user action (and its state refresh) is running."""
        from playwright.sync_api import expect

        expect(self.page.locator("body")).not_to_have_attribute("data-busy", "1")

    def last(self, frame_type: str) -> dict[str, Any]:
        """The newest received frame of ``frame_type``."""
        for frame in reversed(self.received):
            if frame.get("type") == frame_type:
                return frame
        raise AssertionError(f"no {frame_type} frame received; got {self.received}")

    def text(self, selector: str) -> str:
        return self.page.locator(selector).inner_text()

    def tree(self, container: str) -> dict[str, str]:
        """``data-path -> shown text`` of every scalar leaf in ``container`` (folded too)."""
        leaves = self.page.locator(f"{container} .leaf[data-path]")
        return {
            leaves.nth(i).get_attribute("data-path"): leaves.nth(i)
            .locator("[data-value]")
            .text_content()
            for i in range(leaves.count())
            if leaves.nth(i).locator("[data-value]").count()
        }

    def screenshot(self, path: Path) -> bytes:
        path.parent.mkdir(parents=True, exist_ok=True)
        return self.page.screenshot(path=str(path), full_page=True)


_TASK_API_PROBES = re.compile(r"/(list_environments|[^/]+/(splits|num_tasks))$")


def _task_api_probe(message: Any) -> bool:
    """A failed Task API probe (404 without the API, 501 for an env without tasks):
    the page expects those answers and hides the task controls."""
    url = (message.location or {}).get("url", "")
    return "Failed to load resource" in message.text and bool(_TASK_API_PROBES.search(url))


def leaves(value: Any, path: str = "") -> dict[str, Any]:
    """``path -> value`` for every scalar in a JSON value (the paths the page uses)."""
    if isinstance(value, dict):
        items = value.items()
    elif isinstance(value, list):
        items = enumerate(value)
    else:
        return {path: value}
    found: dict[str, Any] = {}
    for key, item in items:
        found.update(leaves(item, f"{path}/{key}"))
    return found


def shown_value(text: str) -> Any:
    """Parse what the page shows for a scalar (strings are shown in double quotes)."""
    if text.startswith('"') and text.endswith('"'):
        return text[1:-1]
    return json.loads(text)


def assert_tree_shows(shown: dict[str, str], value: Any) -> None:
    """Every scalar of ``value`` is shown, at its path, equal to the protocol's value."""
    expected = leaves(value)
    assert set(shown) == set(expected), (sorted(shown), sorted(expected))
    for path, wire_value in expected.items():
        assert shown_value(shown[path]) == wire_value, (path, shown[path], wire_value)


def assert_not_blank(png: bytes) -> None:
    """A screenshot with real content: many colours and a good share of non-background."""
    from PIL import Image

    with Image.open(io.BytesIO(png)) as image:
        rgb = image.convert("RGB")
        colours = rgb.getcolors(maxcolors=1 << 20) or []
        background = max(colours)[1]
        width, height = rgb.size
        busy = sum(count for count, colour in colours if colour != background)
    assert len(colours) > 50, f"only {len(colours)} colours: the page looks blank"
    assert busy / (width * height) > 0.05, "almost every pixel is background: blank page"
