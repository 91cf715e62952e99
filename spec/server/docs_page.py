"""The /docs page: the server's routes and message schemas as plain, offline HTML."""

from __future__ import annotations

import html
import json
from typing import Any

from envbridge.spec.modes import Mode

_WS_NOTE = (
    "<h2>WebSocket</h2><p><code>/ws</code>: JSON text frames "
    "<code>reset</code>, <code>step</code>, <code>state</code>, <code>mcp</code>, "
    "<code>close</code>; one reply per frame. <code>/mcp</code>: raw JSON-RPC 2.0 frames. "
    "See the protocol reference (docs/protocol.md) for every message.</p>"
)


def render_docs(openapi: dict[str, Any], mode: Mode) -> str:
    """HTML listing each route with its request and response schema."""
    title = html.escape(openapi["info"]["title"])
    rows = []
    for path, operations in openapi["paths"].items():
        for method, operation in operations.items():
            rows.append(
                f"<tr><td><code>{method.upper()}</code></td><td><code>{html.escape(path)}"
                f"</code></td><td>{html.escape(operation.get('summary', ''))}</td></tr>"
            )
    schemas = "".join(
        f"<details><summary><code>{html.escape(name)}</code></summary><pre>"
        f"{html.escape(json.dumps(schema, indent=2))}</pre></details>"
        for name, schema in openapi["components"]["schemas"].items()
    )
    return (
        f"<!doctype html><html><head><meta charset='utf-8'><title>{title}</title></head>"
        f"<body><h1>{title}</h1><p>Mode: <b>{mode.value}</b>. Machine-readable: "
        "<a href='/openapi.json'>/openapi.json</a>, <a href='/schema'>/schema</a>.</p>"
        "<h2>HTTP routes</h2><table border='1' cellpadding='4'><tr><th>method</th>"
        f"<th>path</th><th>what</th></tr>{''.join(rows)}</table>{_WS_NOTE}"
        f"<h2>Schemas</h2>{schemas}</body></html>"
    )
