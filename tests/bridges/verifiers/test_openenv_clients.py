"""Official OpenEnv clients (openenv 0.10.0) and both envbridge transports play bridged envs."""

from __future__ import annotations

import pytest
from envbridge.bridges.verifiers import wrap
from openenv.core.generic_client import GenericEnvClient
from openenv.core.mcp_client import MCPToolClient

import envbridge
from tests.helpers import serving


@pytest.fixture(scope="module")
def guess_url(guess_env):
    with serving(wrap(guess_env)) as url:
        yield url


@pytest.fixture(scope="module")
def calc_url(calc_env):
    with serving(wrap(calc_env)) as url:
        yield url


def test_official_generic_client_plays_the_guessing_game(guess_url):
    with GenericEnvClient(base_url=guess_url).sync() as env:
        first = env.reset(task_index=4)  # secret 5
        assert first.observation["messages"][-1]["role"] == "user"
        assert first.reward is None and not first.done
        assert env.step({"role": "assistant", "content": "2"}).reward is None
        last = env.step({"role": "assistant", "content": "5"})
        assert last.done is True and last.reward == pytest.approx(1.25)
        assert env.state()["stop_condition"] == "has_final_env_response"
        with pytest.raises(RuntimeError, match="VALIDATION_ERROR"):
            env.reset()
            env.step({"role": "tool", "content": "5"})


def test_official_mcp_tool_client_calls_the_calculator(calc_url):
    with MCPToolClient(base_url=calc_url).sync() as env:
        env.reset(task_index=0)
        [tool] = env.list_tools()
        assert tool.name == "calculate"
        assert tool.input_schema["required"] == ["expression"]
        assert env.call_tool("calculate", expression="17 + 25") == "42"


@pytest.mark.parametrize("transport", ["ws", "http"])
def test_envbridge_client_over_both_transports(guess_url, transport):
    with envbridge.connect(guess_url, transport=transport).sync() as client:
        client.reset(task_index=1)  # secret 3
        assert client.step({"content": "3"}).reward == pytest.approx(1.5)
