"""Native tools stay native: MCP tools in production, tool calls in simulation, one result."""

from __future__ import annotations

import json

import pytest
from envbridge.bridges.verifiers import wrap
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from mcp import ClientSession
from mcp.client.streamable_http import streamable_http_client

import envbridge
from tests.helpers import serving
from tests.properties.parity import ParityHarness

expressions = st.one_of(
    st.tuples(st.integers(0, 99), st.sampled_from("+-*/"), st.integers(0, 99)).map(
        lambda t: f"{t[0]} {t[1]} {t[2]}"
    ),
    st.sampled_from(["2 +", "x * 3", "1 / 0", "(1 + 2) * 3"]),
)
tool_calls = st.lists(
    st.one_of(
        st.tuples(st.just("calculate"), st.fixed_dictionaries({"expression": expressions})),
        st.tuples(st.just("calculate"), st.fixed_dictionaries({"expr": st.just("1+1")})),
        st.tuples(st.just("calculate"), st.fixed_dictionaries({"expression": st.integers()})),
        st.tuples(st.sampled_from(["abacus", "reset"]), st.just({})),
    ),
    max_size=8,
)


@pytest.fixture(scope="module")
def harness(calc_env):
    with ParityHarness(wrap(calc_env)) as running:
        yield running


@settings(
    max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(calls=tool_calls, seed=st.one_of(st.none(), st.integers(0, 20)))
def test_tool_calls_agree_in_process_simulation_and_production(harness, calls, seed):
    harness.check(calls, seed=seed)


def test_parity_outcomes_are_verifiers_tool_results(harness):
    outcomes = harness.check(
        [
            ("calculate", {"expression": "17 + 25"}),
            ("calculate", {"expression": "1 / 0"}),
            ("abacus", {}),
            *[("calculate", {"expression": "1"})] * 5,
        ],
        seed=0,
    )
    assert outcomes[:3] == [("ok", "42"), ("ok", "division by zero"), ("error", "tool_not_found")]
    assert outcomes[3:6] == [("ok", "1")] * 3  # assistant turns 3..5
    # turn 6 reaches max_turns=6: verifiers ends the rollout before running the tool
    assert outcomes[6:] == [("error", "execution_error")] * 2


async def _mcp_run(url: str, body):
    async with (
        streamable_http_client(f"{url}/mcp") as (read, write, _),
        ClientSession(read, write) as session,
    ):
        await session.initialize()
        return await body(session)


@pytest.mark.anyio
async def test_production_mode_offers_the_tools_over_mcp_with_schemas(calc_env):
    async def body(session):
        tools = await session.list_tools()
        first = await session.call_tool("calculate", {"expression": "(18 - 3) * 7"})
        second = await session.call_tool("calculate", {"expression": "2 +"})
        return tools, first, second

    with serving(wrap(calc_env), mode="production") as url:
        tools, first, second = await _mcp_run(url, body)
    [tool] = tools.tools
    assert tool.name == "calculate"
    assert tool.inputSchema["required"] == ["expression"]
    assert tool.inputSchema["properties"]["expression"]["type"] == "string"
    assert "arithmetic" in tool.description
    assert first.content[0].text == "105" and not first.isError
    assert "invalid syntax" in second.content[0].text  # verifiers' error text, in-band


def test_simulation_tool_call_steps_show_the_tool_message(calc_env):
    call = {
        "id": "call_a",
        "type": "function",
        "function": {"name": "calculate", "arguments": json.dumps({"expression": "123 * 4"})},
    }
    with serving(wrap(calc_env)) as url, envbridge.connect(url).sync() as client:
        first = client.reset(task_index=1)
        assert first.observation["tools"][0]["function"]["name"] == "calculate"
        assert [t.name for t in client.list_tools()] == ["calculate"]
        step = client.step({"role": "assistant", "content": None, "tool_calls": [call]})
        assert step.observation["messages"][-2:] == [
            {"role": "assistant", "tool_calls": [call]},
            {"role": "tool", "tool_call_id": "call_a", "content": "492"},
        ]
        final = client.step({"content": "It is 492."})
        assert final.done and final.reward == 1.0
        assert final.metadata["metrics"]["calculate_calls"] == 1.0


def test_a_tool_call_without_reset_starts_an_episode(calc_env):
    with serving(wrap(calc_env)) as url, envbridge.connect(url).sync() as client:
        assert client.call_tool("calculate", expression="6 * 7") == "42"
        assert client.state()["turns"] == 1
