"""``envbridge serve --open``: open the server's /web page once the server answers."""

from __future__ import annotations

import threading
import time
import webbrowser

import httpx


def page_url(host: str, port: int) -> str:
    """The /web address a browser on this machine can reach (wildcard hosts -> loopback)."""
    if host in ("0.0.0.0", "", "::"):
        host = "127.0.0.1"
    if ":" in host and not host.startswith("["):
        host = f"[{host}]"
    return f"http://{host}:{port}/web"


def _wait_then_open(url: str, timeout_s: float) -> None:
    health = url.removesuffix("/web") + "/health"
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        try:
            if httpx.get(health, timeout=1.0, trust_env=False).status_code == 200:
                webbrowser.open(url)
                return
        except httpx.HTTPError:
            pass
        time.sleep(0.2)


def open_when_ready(url: str, timeout_s: float = 120.0) -> threading.Thread:
    """Start a daemon thread that opens ``url`` in the user's browser once /health is up.

    The browser is the one Python's :mod:`webbrowser` picks (``$BROWSER`` overrides).
    """
    thread = threading.Thread(
        target=_wait_then_open, args=(url, timeout_s), name="envbridge-open", daemon=True
    )
    thread.start()
    return thread
