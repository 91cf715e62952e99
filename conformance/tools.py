"""MCP tool helpers: reading tool descriptions, generating calls, normalising results."""

from __future__ import annotations

from typing import Any

from envbridge.conformance.model import CheckFailed
from envbridge.conformance.probe import Probe
from envbridge.conformance.schema_strategies import UnsupportedSchema, examples


def input_schema(tool: dict[str, Any]) -> Any:
    """A tool's argument schema (MCP ``inputSchema`` or OpenEnv's ``input_schema``)."""
    return tool.get("inputSchema", tool.get("input_schema"))


def is_error_result(result: Any) -> bool:
    """True when a tool result reports failure (``is_error`` or ``isError``)."""
    return isinstance(result, dict) and bool(result.get("is_error") or result.get("isError"))


def payload(result: Any) -> Any:
    """What a tool returned, whatever the dialect: ``data``, structured content, or text."""
    if not isinstance(result, dict):
        return result
    for key in ("data", "structured_content", "structuredContent"):
        if result.get(key) is not None:
            return result[key]
    return [item.get("text") for item in result.get("content") or [] if isinstance(item, dict)]


def generated_calls(tools: list[dict[str, Any]], per_tool: int) -> list[tuple[str, Any]]:
    """(name, arguments) pairs: ``per_tool`` argument sets generated from each inputSchema."""
    calls = []
    for tool in tools:
        try:
            arguments = examples(input_schema(tool), per_tool)
        except UnsupportedSchema as exc:
            raise CheckFailed(
                f"cannot generate arguments for tool {tool.get('name')!r}: {exc}", received=tool
            ) from None
        calls += [(tool["name"], args) for args in arguments]
    return calls


async def call_over_ws_mcp(
    probe: Probe, calls: list[tuple[str, Any]], url: str | None = None
) -> list[tuple[dict[str, Any], Any]]:
    """Run ``calls`` in order on one WS ``/mcp`` session; (request, reply) pairs."""
    exchanges = []
    async with probe.ws("/mcp", url) as ws:
        for name, arguments in calls:
            request = {
                "jsonrpc": "2.0",
                "id": probe.next_id(),
                "method": "tools/call",
                "params": {"name": name, "arguments": arguments},
            }
            exchanges.append((request, await ws.request(request, "ws /mcp tools/call")))
    return exchanges
