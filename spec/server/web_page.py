"""``GET /web``: one self-contained page to play, watch and debug the served environment.

The page (``web/index.html`` with ``web.css`` and ``web.js`` inlined) is package data,
assembled once on the first request and cached; it talks to the server over ``/ws`` and
MCP frames exactly as a client does, so it costs the per-step path nothing. A
Content-Security-Policy allows only the page's own script and style (by hash), images
from ``data:`` URLs and connections to this server.
"""

from __future__ import annotations

import base64
import hashlib
from functools import cache
from importlib import resources

from envbridge.spec.server.asgi import Receive, Request, Send, send_bytes
from envbridge.spec.server.context import ServerContext

_STYLE_MARK = "/*envbridge:style*/"
_SCRIPT_MARK = "/*envbridge:script*/"


def _asset(name: str) -> str:
    return resources.files("envbridge.spec.server").joinpath("web", name).read_text("utf-8")


def _digest(text: str) -> str:
    return base64.b64encode(hashlib.sha256(text.encode()).digest()).decode()


@cache
def web_page() -> tuple[bytes, str]:
    """The page's bytes and its Content-Security-Policy header value."""
    style, script = _asset("web.css"), _asset("web.js")
    page = _asset("index.html").replace(_STYLE_MARK, style).replace(_SCRIPT_MARK, script)
    policy = (
        "default-src 'none'; "
        f"script-src 'sha256-{_digest(script)}'; "
        f"style-src 'sha256-{_digest(style)}'; "
        "img-src data: blob:; connect-src 'self'; "
        "base-uri 'none'; form-action 'none'; frame-ancestors 'none'"
    )
    return page.encode(), policy


async def handle_web(request: Request, receive: Receive, send: Send, ctx: ServerContext) -> None:
    """GET /web: the page (same in both modes; it hides reset/step in production)."""
    body, policy = web_page()
    await send_bytes(
        send,
        200,
        body,
        "text/html; charset=utf-8",
        [
            ("content-security-policy", policy),
            ("x-content-type-options", "nosniff"),
            ("cache-control", "no-cache"),
        ],
    )
