"""The official MCP Python SDK client (streamable HTTP) drives envbridge's /mcp."""

from __future__ import annotations

import pytest
from mcp import ClientSession
from mcp.client.streamable_http import streamable_http_client

from envs.native.counter import CounterEnv
from tests.helpers import serving
from tests.spec.envs import Tracked


async def _session_run(url: str, body):
    async with (
        streamable_http_client(f"{url}/mcp") as (read, write, _),
        ClientSession(read, write) as session,
    ):
        init = await session.initialize()
        return init, await body(session)


@pytest.mark.anyio
@pytest.mark.parametrize("mode", ["simulation", "production"])
async def test_initialize_list_and_call(mode):
    async def body(session):
        tools = await session.list_tools()
        added = await session.call_tool("add", {"amount": 5})
        again = await session.call_tool("add", {"amount": 1})
        echoed = await session.call_tool("echo", {"message": "hello"})
        bad_args = await session.call_tool("add", {"amount": "x"})
        return tools, added, again, echoed, bad_args

    with serving(CounterEnv, mode=mode) as url:
        init, (tools, added, again, echoed, bad_args) = await _session_run(url, body)
    assert init.serverInfo.name == "envbridge"
    assert [t.name for t in tools.tools] == ["add", "get_count", "echo"]
    assert tools.tools[0].inputSchema["required"] == ["amount"]
    assert added.structuredContent == {"count": 5} and not added.isError
    assert again.structuredContent == {"count": 6}  # the MCP session keeps its env
    assert echoed.content[0].text == "hello"
    assert bad_args.isError


@pytest.mark.anyio
async def test_unknown_tool_is_an_error_and_sessions_are_released():
    from mcp.shared.exceptions import McpError

    async def body(session):
        with pytest.raises(McpError, match="nope"):
            await session.call_tool("nope", {})
        return await session.call_tool("get_count", {})

    Tracked.live.clear()
    with serving(CounterEnv) as url:
        _, count = await _session_run(url, body)
        assert count.structuredContent == {"count": 0}
    with serving(Tracked) as url:

        async def list_only(session):
            return await session.list_tools()

        await _session_run(url, list_only)
        assert Tracked.live == set()  # the client's DELETE closed its session
