"""v1 tools: a Toolset MCP server per rollout, driven by tool calls or by MCP tools/call."""

from __future__ import annotations

import asyncio
import json

import pytest
from envbridge.bridges.verifiers import load_target
from envbridge.bridges.verifiers.v1.environment import run_task

import envbridge
from tests.bridges.verifiers_v1.test_v1_bridge import ReplayClient
from tests.helpers import serving


def _call(call_id: str, expression: str) -> dict:
    arguments = json.dumps({"expression": expression})
    return {
        "role": "assistant",
        "tool_calls": [
            {
                "id": call_id,
                "type": "function",
                "function": {"name": "calc_calculate", "arguments": arguments},
            }
        ],
    }


@pytest.fixture(scope="module")
def factory():
    return load_target("vf1-calc", {})


def test_tool_taskset_matches_native(factory):
    script = [_call("call_1", "17 + 25"), _call("call_2", "1 / 0"), {"content": "It is 42"}]
    with serving(factory) as url, envbridge.connect(url).sync() as client:
        results = [client.reset(task_index=0)]
        for message in script:
            results.append(client.step(message))
    replay = ReplayClient(script)
    trace = asyncio.run(run_task(factory.config, factory.tasks[0], replay))

    assert [r.observation["messages"] for r in results[:-1]] == [
        b["messages"] for b in replay.bodies
    ]
    assert results[0].observation["tools"][0]["function"]["name"] == "calc_calculate"
    assert results[1].observation["messages"][-1]["content"] == "42"
    assert "division by zero" in results[2].observation["messages"][-1]["content"]
    final = results[-1]
    assert final.done and final.reward == trace.reward == 1.0
    assert final.metadata["stop_condition"] == trace.stop_condition


def test_production_mode_serves_the_toolset_as_mcp_tools(factory):
    with serving(factory, mode="production") as url, envbridge.connect(url).sync() as client:
        [tool] = client.list_tools()
        assert tool.name == "calc_calculate"
        assert tool.input_schema["required"] == ["expression"]
        assert client.call_tool("calc_calculate", expression="(18 - 3) * 7") == "105"


def test_simulation_lists_the_tools_before_any_reset(factory):
    """MCP clients list tools first: a fresh simulation session (no reset yet) lists the
    first task's toolset, over MCP and as a list_tools step."""
    with serving(factory) as url, envbridge.connect(url).sync() as client:
        [tool] = client.list_tools()
        assert tool.name == "calc_calculate"
        assert tool.input_schema["required"] == ["expression"]
        assert client.call_tool("calc_calculate", expression="6 * 7") == "42"
