"""envbridge's client drives servers built with the official OpenEnv library (both modes)."""

from __future__ import annotations

import pytest
from envbridge.spec.client import ServerError, ToolCallError

import envbridge
from tests.helpers import ROOT, serving_processes, uvicorn_app

APPS = ["envs.openenv_native.counter_app:app", "envs.openenv_native.counter_app:mcp_app"]


@pytest.fixture(scope="module")
def servers():
    modes = ["simulation", "production"]
    argvs = [uvicorn_app(app) for app in APPS for _ in modes]
    envs = [{"OPENENV_MODE": mode, "ENABLE_WEB_INTERFACE": "false"} for _ in APPS for mode in modes]
    with serving_processes(*argvs, envs=envs, cwd=str(ROOT)) as urls:
        yield {
            ("typed", "simulation"): urls[0],
            ("typed", "production"): urls[1],
            ("mcp", "simulation"): urls[2],
            ("mcp", "production"): urls[3],
        }


def test_typed_env_reset_step_state(servers):
    url = servers[("typed", "simulation")]
    client = envbridge.connect(url).sync()
    first = client.reset(seed=3)
    assert first.observation["count"] == 3
    result = client.step({"delta": 4})
    assert result.observation == {"count": 7, "last_delta": 4} and result.reward == 4
    state = client.state()
    assert state["step_count"] == 1 and state["count"] == 7
    with pytest.raises(ServerError) as error:
        client.step({"delta": "x"})
    assert error.value.code == "VALIDATION_ERROR"
    client.close()


@pytest.mark.anyio
async def test_typed_env_async_and_production_ws_still_open(servers):
    # OpenEnv's production mode keeps reset/step on /ws (a deviation the kit reports).
    async with envbridge.connect(servers[("typed", "production")]) as client:
        assert (await client.reset(seed=1)).observation["count"] == 1


@pytest.mark.parametrize("mode", ["simulation", "production"])
def test_mcp_env_tools(servers, mode):
    client = envbridge.connect(servers[("mcp", mode)]).sync()
    tools = client.list_tools()
    assert {t.name for t in tools} == {"add", "echo"}
    assert client.call_tool("add", amount=2) == 2
    assert client.call_tool("add", amount=3) == 5  # the WS session's env keeps state
    assert client.call_tool("echo", message="x") == "x"
    with pytest.raises(ToolCallError):
        client.call_tool("nope")
    client.close()


def test_http_transport_against_openenv_is_stateless(servers):
    client = envbridge.connect(servers[("typed", "simulation")], transport="http").sync()
    assert client.reset(seed=2).observation["count"] == 2
    assert client.step({"delta": 1}).observation["count"] == 1  # fresh env per request
    client.close()


def test_http_mcp_session_against_openenv(servers):
    client = envbridge.connect(servers[("mcp", "production")], transport="http").sync()
    assert client.call_tool("add", amount=2) == 2
    assert client.call_tool("add", amount=2) == 4
    client.close()
