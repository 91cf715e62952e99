"""MCP: tools/list, generated tools/call, unknown and reserved tools, JSON-RPC rules."""

from __future__ import annotations

from typing import Any

from envbridge.conformance import expect
from envbridge.conformance.model import CheckFailed, Level
from envbridge.conformance.probe import Probe, json_object
from envbridge.conformance.registry import conformance_check
from envbridge.conformance.tools import (
    call_over_ws_mcp,
    generated_calls,
    input_schema,
    is_error_result,
)

RESERVED = ("reset", "step", "state", "close")
CALLS_PER_TOOL = 8
QUICK_CALLS_PER_TOOL = 2


@conformance_check(
    "mcp.tools_list",
    Level.MUST,
    "tools/list is well-formed",
    sends='POST /mcp {"method": "tools/list"}',
    expects="result.tools: unique string names, string-or-null descriptions, an object "
    "inputSchema (or input_schema) that is a valid JSON Schema",
    rule="wire §4.2 and §4.4",
    quick=True,
)
async def tools_list(probe: Probe) -> dict[str, Any]:
    tools = await probe.tools()
    names = []
    for tool in tools:
        if not isinstance(tool, dict) or not isinstance(tool.get("name"), str) or not tool["name"]:
            raise CheckFailed(
                "every tool needs a non-empty string 'name'", sent="tools/list", received=tool
            )
        description = tool.get("description")
        if description is not None and not isinstance(description, str):
            raise CheckFailed(
                "a tool's description is a string or null", sent="tools/list", received=tool
            )
        schema = input_schema(tool)
        expect.valid_schema(schema, f"the inputSchema of tool {tool['name']!r}")
        if schema.get("type", "object") != "object":
            raise CheckFailed(
                "a tool's inputSchema describes an object", sent="tools/list", received=tool
            )
        names.append(tool["name"])
    if len(set(names)) != len(names):
        raise CheckFailed("tool names must be unique", sent="tools/list", received=names)
    return {"tools": names}


async def _generated_exchanges(probe: Probe) -> list[tuple[dict[str, Any], Any]]:
    key = "tool_exchanges"
    if key not in probe.facts:
        per_tool = QUICK_CALLS_PER_TOOL if probe.options.quick else CALLS_PER_TOOL
        calls = generated_calls(await probe.tools(), per_tool)
        probe.facts[key] = await call_over_ws_mcp(probe, calls)
    return probe.facts[key]


@conformance_check(
    "mcp.tools_call",
    Level.MUST,
    "tools/call answers every generated call well-formed",
    sends="tools/call for every tool with arguments generated from its inputSchema "
    "(hypothesis, up to 8 per tool) on one WS /mcp session",
    expects="a JSON-RPC response per call echoing its id with exactly one of result/error; "
    "each result holds a 'content' list",
    rule="wire §4.1-4.2 and §4.4 (CallToolResult)",
    quick=True,
)
async def tools_call(probe: Probe) -> dict[str, Any]:
    exchanges = await _generated_exchanges(probe)
    for request, reply in exchanges:
        expect.jsonrpc(reply, request["id"], request)
        result = reply.get("result")
        if "result" in reply and not (
            isinstance(result, dict) and isinstance(result.get("content"), list)
        ):
            raise CheckFailed("a tool result needs a 'content' list", sent=request, received=reply)
    return {"calls": len(exchanges)}


@conformance_check(
    "mcp.tools_accept_schema",
    Level.SHOULD,
    "tools accept every argument their schema allows",
    sends="the generated tools/call requests of mcp.tools_call",
    expects="no JSON-RPC error and no is_error result for schema-valid arguments; a tool "
    "error that reports the world, not the arguments (error data error_type "
    "execution_error, e.g. a permission denied by the sandbox), is an answer, not a failure",
    rule="wire §4.2 (inputSchema describes what a tool takes)",
)
async def tools_accept_schema(probe: Probe) -> dict[str, Any]:
    exchanges = await _generated_exchanges(probe)
    tool_errors = 0
    for request, reply in exchanges:
        if _execution_error(reply):
            tool_errors += 1
            continue
        if not isinstance(reply, dict) or "error" in reply or is_error_result(reply.get("result")):
            raise CheckFailed(
                "a call with schema-valid arguments failed", sent=request, received=reply
            )
    return {"calls": len(exchanges), "tool_errors": tool_errors}


def _execution_error(reply: Any) -> bool:
    """A JSON-RPC error saying the tool ran and the world refused (not the arguments)."""
    error = reply.get("error") if isinstance(reply, dict) else None
    data = error.get("data") if isinstance(error, dict) else None
    return isinstance(data, dict) and data.get("error_type") == "execution_error"


@conformance_check(
    "mcp.unknown_tool",
    Level.MUST,
    "calling an unknown tool fails cleanly",
    sends='POST /mcp tools/call {"name": "conformance_no_such_tool"}',
    expects="a JSON-RPC error, or a result with is_error/isError true",
    rule="wire §4.2 (unknown tool -> -32603 in OpenEnv)",
    quick=True,
)
async def unknown_tool(probe: Probe) -> dict[str, Any]:
    sent = {"name": "conformance_no_such_tool", "arguments": {}}
    reply = await probe.rpc("tools/call", sent)
    if "error" not in reply and not is_error_result(reply.get("result")):
        raise CheckFailed("calling an unknown tool must fail", sent=sent, received=reply)
    return {}


@conformance_check(
    "mcp.reserved_names",
    Level.MUST,
    "no tool shadows reset, step, state or close",
    sends="POST /mcp tools/list",
    expects="none of the reserved names is a tool",
    rule="wire §4.3 (RESERVED_TOOL_NAMES)",
)
async def reserved_names(probe: Probe) -> dict[str, Any]:
    names = [tool.get("name") for tool in await probe.tools()]
    clash = sorted(set(names) & set(RESERVED))
    if clash:
        raise CheckFailed(
            f"tools must not use the reserved names {clash}", sent="tools/list", received=names
        )
    return {}


@conformance_check(
    "mcp.jsonrpc_ids",
    Level.MUST,
    "JSON-RPC ids are echoed; unknown methods get -32601",
    sends='POST /mcp tools/list with id 7 and with id "conformance-id"; a request for '
    "method conformance/no_such_method",
    expects="each response echoes its id (same type) with exactly one of result/error; the "
    "unknown method gets error -32601",
    rule="wire §4.1 (JSON-RPC 2.0 envelope and codes)",
    quick=True,
)
async def jsonrpc_ids(probe: Probe) -> dict[str, Any]:
    for request_id in (7, "conformance-id"):
        request: dict[str, Any] = {
            "jsonrpc": "2.0",
            "id": request_id,
            "method": "tools/list",
            "params": {},
        }
        reply = json_object(await probe.post("/mcp", request), request, "POST /mcp")
        expect.jsonrpc(reply, request_id, request)
    request = {"jsonrpc": "2.0", "id": 8, "method": "conformance/no_such_method", "params": {}}
    reply = json_object(await probe.post("/mcp", request), request, "POST /mcp")
    expect.jsonrpc(reply, 8, request)
    expect.rpc_error(reply, {-32601}, request)
    return {}


@conformance_check(
    "mcp.parse_error",
    Level.MUST,
    "a non-JSON /mcp body gets -32700",
    sends="POST /mcp with the body '{not json'",
    expects="HTTP 200, JSON-RPC error -32700 with id null",
    rule="wire §4.1 (POST /mcp: non-JSON -> -32700, id null)",
)
async def parse_error(probe: Probe) -> dict[str, Any]:
    response = await probe.post("/mcp", raw=b"{not json")
    expect.status(response, {200}, "POST /mcp {not json")
    reply = json_object(response, "{not json", "POST /mcp")
    expect.jsonrpc(reply, None, "{not json")
    expect.rpc_error(reply, {-32700}, "{not json")
    return {}


@conformance_check(
    "mcp.invalid_request",
    Level.SHOULD,
    "a request without a method gets -32600",
    sends='POST /mcp {"jsonrpc": "2.0", "id": 5}',
    expects="HTTP 200, JSON-RPC error -32600",
    rule="wire §4.1 (valid JSON that is not a request -> -32600)",
)
async def invalid_request(probe: Probe) -> dict[str, Any]:
    sent = {"jsonrpc": "2.0", "id": 5}
    response = await probe.post("/mcp", sent)
    expect.status(response, {200}, sent)
    expect.rpc_error(json_object(response, sent, "POST /mcp"), {-32600}, sent)
    return {}


@conformance_check(
    "mcp.ws_frames",
    Level.MUST,
    "mcp frames on /ws carry JSON-RPC",
    sends='{"type": "mcp", "data": {"jsonrpc": "2.0", "id": 11, "method": "tools/list"}} on /ws',
    expects='{"type": "mcp", "data": <JSON-RPC response echoing id 11>}',
    rule="wire §3.2 mcp frames, §4.1",
    quick=True,
)
async def ws_frames(probe: Probe) -> dict[str, Any]:
    request = {"jsonrpc": "2.0", "id": 11, "method": "tools/list", "params": {}}
    frame = {"type": "mcp", "data": request}
    async with probe.ws() as ws:
        expect.jsonrpc(await ws.expect(frame, "mcp", "ws mcp tools/list"), 11, frame)
    return {}


@conformance_check(
    "mcp.ws_endpoint",
    Level.MUST,
    "WS /mcp answers raw JSON-RPC frames",
    sends='{"jsonrpc": "2.0", "id": 12, "method": "tools/list"} on WS /mcp',
    expects="one JSON-RPC response frame echoing id 12",
    rule="wire §4.1 (WS /mcp: one session per connection, one response per frame)",
)
async def ws_endpoint(probe: Probe) -> dict[str, Any]:
    request = {"jsonrpc": "2.0", "id": 12, "method": "tools/list", "params": {}}
    async with probe.ws("/mcp") as ws:
        expect.jsonrpc(await ws.request(request, "ws /mcp tools/list"), 12, request)
    return {}


@conformance_check(
    "mcp.step_tools",
    Level.SHOULD,
    "step(list_tools/call_tool) matches JSON-RPC",
    sends='reset; step {"type": "list_tools"}; step {"type": "call_tool", "tool_name": T, '
    '"arguments": A} for the first tool with generated arguments',
    expects="observation.tools lists the tools/list names (snake_case input_schema); the "
    "call_tool observation names the tool and has 'result' and 'error' keys",
    rule="wire §4.3-4.4 (MCP through step)",
)
async def step_tools(probe: Probe) -> dict[str, Any]:
    probe.require_simulation()
    tools = await probe.tools()
    name, arguments = generated_calls(tools[:1], 1)[0]
    async with probe.ws() as ws:
        await ws.reset()
        sent = {"type": "list_tools"}
        listed = expect.envelope(await ws.step(sent), sent)["observation"].get("tools")
        if not isinstance(listed, list) or sorted(
            str(t.get("name")) for t in listed if isinstance(t, dict)
        ) != sorted(t["name"] for t in tools):
            raise CheckFailed(
                "step(list_tools) must list the same tools as tools/list",
                sent=sent,
                received=listed,
            )
        if not all(isinstance(t, dict) and "input_schema" in t for t in listed):
            raise CheckFailed(
                "step(list_tools) entries carry snake_case 'input_schema'",
                sent=sent,
                received=listed,
            )
        sent = {"type": "call_tool", "tool_name": name, "arguments": arguments}
        observation = expect.envelope(await ws.step(sent), sent)["observation"]
    if observation.get("tool_name") != name or not {"result", "error"} <= set(observation):
        raise CheckFailed(
            "a call_tool observation has tool_name, result and error",
            sent=sent,
            received=observation,
        )
    return {}
