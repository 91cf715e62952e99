"""The official OpenEnv client (openenv 0.10.x) drives envbridge servers unchanged."""

from __future__ import annotations

import pytest
from openenv.core.env_server.mcp_types import CallToolAction, ListToolsAction
from openenv.core.generic_client import GenericEnvClient
from openenv.core.mcp_client import MCPToolClient

from envs.native.counter import CounterEnv
from tests.helpers import serving


@pytest.fixture(scope="module")
def sim_url():
    with serving(CounterEnv) as url:
        yield url


@pytest.fixture(scope="module")
def prod_url():
    with serving(CounterEnv, mode="production") as url:
        yield url


def test_generic_client_reset_steps_state(sim_url):
    with GenericEnvClient(base_url=sim_url).sync() as env:
        first = env.reset(seed=2)
        assert first.observation["count"] == 2 and first.reward is None and not first.done
        for expected in (5, 8, 11):
            result = env.step({"delta": 3})
            assert result.observation["count"] == expected and result.reward == 3
        assert result.done is True
        state = env.state()
        assert state["step_count"] == 3 and state["count"] == 11 and state["episode_id"]


@pytest.mark.anyio
async def test_generic_client_async(sim_url):
    async with GenericEnvClient(base_url=sim_url) as env:
        await env.reset(seed=0)
        result = await env.step({"delta": -2})
        assert result.observation["count"] == -2


def test_generic_client_sees_validation_errors_as_runtime_errors(sim_url):
    with GenericEnvClient(base_url=sim_url).sync() as env:
        env.reset()
        with pytest.raises(RuntimeError, match="VALIDATION_ERROR"):
            env.step({"delta": "many"})
        assert env.step({"delta": 1}).observation["count"] == 1


def test_mcp_tool_client_lists_and_calls_tools(sim_url):
    with MCPToolClient(base_url=sim_url).sync() as env:
        tools = env.list_tools()
        assert [t.name for t in tools] == ["add", "get_count", "echo"]
        assert tools[0].input_schema["properties"]["amount"]["type"] == "integer"
        assert env.call_tool("add", amount=4) == {"count": 4}
        assert env.call_tool("echo", message="hi") == "hi"
        with pytest.raises(RuntimeError, match="nope"):
            env.call_tool("nope")


def test_mcp_tool_client_steps_tools_through_the_ws_session(sim_url):
    with MCPToolClient(base_url=sim_url).sync() as env:
        env.reset(seed=1)
        listed = env.step(ListToolsAction())
        assert len(listed.observation.tools) == 3
        called = env.step(CallToolAction(tool_name="add", arguments={"amount": 2}))
        assert called.observation.result["data"] == {"count": 3}
        assert env.call_tool("get_count") == {"count": 3}  # same session over HTTP-MCP


def test_mcp_tool_client_in_production_mode(prod_url):
    with MCPToolClient(base_url=prod_url).sync() as env:
        assert env.call_tool("add", amount=7) == {"count": 7}
        assert env.call_tool("get_count") == {"count": 7}
        with pytest.raises(RuntimeError, match="MODE_RESTRICTED"):
            env.reset()


def test_generic_client_is_refused_in_production(prod_url):
    with (
        GenericEnvClient(base_url=prod_url).sync() as env,
        pytest.raises(RuntimeError, match="MODE_RESTRICTED"),
    ):
        env.reset()
