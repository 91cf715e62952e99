"""Served Gymnasium envs through real clients: RemoteGymEnv, OpenEnv's and the MCP SDK's."""

from __future__ import annotations

import math
import os
import threading
import time
import warnings

import gymnasium as gym
import httpx
import jsonschema
import numpy as np
import pytest
from envbridge.bridges.gymnasium import build_space, wrap
from envbridge.bridges.gymnasium.remote import RemoteGymEnv
from envbridge.spec.client import ServerError, SyncClient
from gymnasium.utils.env_checker import check_env
from mcp import ClientSession
from mcp.client.streamable_http import streamable_http_client
from openenv.core.generic_client import GenericEnvClient
from openenv.core.mcp_client import MCPToolClient

import envbridge
import envs.gymnasium
from tests.bridges.gymnasium.gym_envs import Counted, Fragile, NaNSensor, ThreadSpy
from tests.bridges.gymnasium.gym_spaces_strategy import assert_same_value
from tests.bridges.gymnasium.gym_trajectory import assert_same_step
from tests.helpers import serving

COURIER = envs.gymnasium.COURIER_ID
ADVICE_ALSO_GIVEN_LOCALLY = ".*(infinity|alternative render|normalized space)"
"""check_env warnings the local env gets too (unbounded Box, no spec, Pendulum's bounds)."""


@pytest.mark.parametrize(
    ("env_id", "kwargs"),
    [
        ("CartPole-v1", {}),
        ("Pendulum-v1", {}),
        ("Blackjack-v1", {}),
        ("Taxi-v4", {}),
        (COURIER, {"render_mode": "rgb_array"}),
    ],
)
def test_gymnasium_check_env_passes_on_the_remote_adapter(env_id, kwargs):
    with serving(wrap(env_id, **kwargs)) as url:
        env = RemoteGymEnv(envbridge.connect(url), render_mode=kwargs.get("render_mode"))
        try:
            assert isinstance(env, gym.Env)
            assert env.action_space == gym.make(env_id).action_space
            assert env.observation_space == gym.make(env_id).observation_space
            with warnings.catch_warnings():
                warnings.filterwarnings("ignore", message=ADVICE_ALSO_GIVEN_LOCALLY)
                check_env(env)
        finally:
            env.close()


def test_the_remote_adapter_also_runs_over_stateful_http():
    local = gym.make("Acrobot-v1")
    with serving(wrap("Acrobot-v1")) as url:
        served = RemoteGymEnv(envbridge.connect(url, transport="http"))
        try:
            space = local.observation_space
            assert_same_step(space, local.reset(seed=8), served.reset(seed=8))
            for action in (0, 2, 1, 1):
                assert_same_step(space, local.step(action), served.step(action))
        finally:
            served.close()


def test_reset_options_reach_the_env():
    local = gym.make("CartPole-v1")
    options = {"low": 0.04, "high": 0.05}
    with serving(wrap("CartPole-v1")) as url, RemoteGymEnv(url) as served:
        obs, _ = served.reset(seed=1, options=options)
        assert_same_value(local.reset(seed=1, options=options)[0], obs)
        assert (obs >= 0.04).all()


def test_courier_dict_tuple_text_trajectory_over_the_wire():
    local = gym.make(COURIER)
    with serving(wrap(COURIER)) as url, RemoteGymEnv(url) as served:
        space = local.observation_space
        assert_same_step(space, local.reset(seed=11), served.reset(seed=11))
        for move, label in [(1, "A"), (3, ""), (2, "HEAD"), (4, "BAD"), (0, "CAFE")]:
            action = {"move": np.int64(move), "label": label}
            assert_same_step(space, local.step(action), served.step(action))


def test_frames_come_back_pixel_exact():
    local = gym.make(COURIER, render_mode="rgb_array")
    with serving(wrap(COURIER, render_mode="rgb_array")) as url:
        with RemoteGymEnv(url, render_mode="rgb_array") as served:
            local.reset(seed=5)
            served.reset(seed=5)
            assert_same_value(local.render(), served.render())
        with pytest.raises(ValueError, match="not offered"):
            RemoteGymEnv(url, render_mode="human")


def test_non_finite_observations_and_info_cross_exactly():
    with serving(wrap(NaNSensor)) as url, RemoteGymEnv(url) as served:
        obs, info = served.reset()
        assert_same_value(NaNSensor.VALUES, obs)
        assert info["worst"] == float("inf")
        assert_same_value(NaNSensor.VALUES, info["raw"])
        obs, reward, *_ = served.step(0)
        assert_same_value(NaNSensor.VALUES, obs)
        assert math.isnan(reward)  # the protocol sends a non-finite reward as null
        act = served.client.call_tool("act", action=0)
        assert act["reward"] is None
        assert act["observation"] == ["NaN", "Infinity", "-Infinity", -0.0]


def test_schema_and_metadata_endpoints_describe_the_spaces_and_what_is_sent():
    with serving(wrap(COURIER)) as url, SyncClient(url) as client:
        schema = httpx.get(f"{url}/schema", trust_env=False).json()
        meta = httpx.get(f"{url}/metadata", trust_env=False).json()
        reset = client.reset(seed=3)
        action = {"action": {"move": 1, "label": "AB"}}
        jsonschema.validate(action, schema["action"])
        stepped = client.step(action)
    local = gym.make(COURIER)
    assert meta["name"] == COURIER and "Dict(" in meta["description"]
    assert build_space(schema["action"]["properties"]["action"]["x-gymnasium-space"]) == (
        local.action_space
    )
    observation_schema = schema["observation"]
    described = observation_schema["properties"]["observation"]["x-gymnasium-space"]
    assert build_space(described) == local.observation_space
    for result in (reset, stepped):
        jsonschema.validate({**result.observation, "metadata": result.metadata}, observation_schema)
    assert build_space(reset.metadata["observation_space"]) == local.observation_space
    assert stepped.metadata["info"] == stepped.observation["info"]


def test_actions_outside_the_space_get_validation_error_naming_it():
    with serving(wrap("CartPole-v1")) as url, SyncClient(url) as client:
        client.reset(seed=0)
        for action in (2, -1, "left", [1], 1.5):
            with pytest.raises(ServerError) as caught:
                client.step({"action": action})
            assert caught.value.code == "VALIDATION_ERROR"
            assert "Discrete(2)" in caught.value.message
        assert client.step({"action": 1}).observation["terminated"] is False


def test_a_crashing_env_gets_execution_error_and_the_server_keeps_serving():
    with serving(wrap(Fragile)) as url:
        with SyncClient(url) as client:
            client.reset()
            with pytest.raises(ServerError) as caught:
                client.step({"action": 1})
            assert caught.value.code == "EXECUTION_ERROR" and "sensor failure" in str(caught.value)
            assert client.step({"action": 0}).observation["observation"] == 1
        with RemoteGymEnv(url) as other:
            assert other.reset()[0] == 0 and other.step(0)[0] == 1


def test_the_official_openenv_client_steps_with_action_dicts():
    with (
        serving(wrap("FrozenLake-v1", is_slippery=False)) as url,
        GenericEnvClient(base_url=url).sync() as env,
    ):
        first = env.reset(seed=0)
        assert first.observation["observation"] == 0 and first.reward is None
        for action in (2, 2, 1, 1, 1):  # right, right, down, down, down
            result = env.step({"action": action})
        last = env.step({"action": 2})
        assert last.observation["terminated"] is True and last.reward == 1.0 and last.done
        with pytest.raises(RuntimeError, match=r"VALIDATION_ERROR"):
            env.reset()
            env.step({"action": 9})
        assert result.observation["truncated"] is False


def test_the_official_openenv_mcp_tool_client_plays_in_production_mode():
    local = gym.make("CliffWalking-v1")
    local.reset(seed=2)
    with (
        serving(wrap("CliffWalking-v1", seed=2), mode="production") as url,
        MCPToolClient(base_url=url).sync() as env,
    ):
        assert {tool.name for tool in env.list_tools()} == {"act", "observe", "spaces"}
        assert env.call_tool("observe")["observation"] == 36
        for action in (0, 1, 1, 2):
            data = env.call_tool("act", action=action)
            obs, reward, terminated, truncated, _ = local.step(action)
            assert (data["observation"], data["reward"]) == (obs, reward)
            assert (data["terminated"], data["truncated"]) == (terminated, truncated)
        with pytest.raises(RuntimeError, match=r"Discrete\(4\)"):
            env.call_tool("act", action=4)


async def _mcp_session(url, body):
    async with (
        streamable_http_client(f"{url}/mcp") as (read, write, _),
        ClientSession(read, write) as session,
    ):
        await session.initialize()
        return await body(session)


@pytest.mark.anyio
async def test_production_mode_act_through_the_mcp_sdk_client():
    async def body(session):
        tools = {tool.name: tool for tool in (await session.list_tools()).tools}
        first = await session.call_tool("act", {"action": 1})
        bad = await session.call_tool("act", {"action": 7})
        second = await session.call_tool("act", {"action": 0})
        return tools, first, bad, second

    local = gym.make("CartPole-v1")
    local.reset(seed=5)
    with serving(wrap("CartPole-v1", seed=5), mode="production") as url:
        tools, first, bad, second = await _mcp_session(url, body)
    schema = tools["act"].inputSchema
    assert schema["required"] == ["action"]
    assert schema["properties"]["action"]["x-gymnasium-space"] == {
        "type": "Discrete",
        "n": 2,
        "start": 0,
        "dtype": "int64",
    }
    for result, action in ((first, 1), (second, 0)):
        assert not result.isError
        data = result.structuredContent
        assert set(data) == {"observation", "reward", "terminated", "truncated", "info"}
        obs, reward, terminated, truncated, _ = local.step(action)
        assert data["observation"] == obs.tolist()
        assert (data["reward"], data["terminated"], data["truncated"]) == (
            reward,
            terminated,
            truncated,
        )
    assert bad.isError and "Discrete(2)" in bad.content[0].text


def test_remote_adapter_on_a_production_server_says_to_use_act():
    with serving(wrap("CartPole-v1"), mode="production") as url, RemoteGymEnv(url) as env:
        assert env.action_space == gym.spaces.Discrete(2)
        with pytest.raises(ServerError, match="production mode") as caught:
            env.reset()
        assert caught.value.code == "MODE_RESTRICTED"


def test_remote_adapter_refuses_servers_that_are_not_gymnasium():
    from envs.native.counter import CounterEnv

    with serving(CounterEnv) as url, pytest.raises(TypeError, match="gym:ENV_ID"):
        RemoteGymEnv(url)


@pytest.mark.parametrize("inline", [False, True])
def test_inline_envs_step_on_the_event_loop_others_in_a_worker(inline):
    ThreadSpy.threads.clear()
    with serving(wrap(ThreadSpy, inline=inline)) as url, RemoteGymEnv(url) as env:
        env.reset()
        env.step(1)
        env.step(0)
    assert len(ThreadSpy.threads) == 2
    on_loop = [name == "uvicorn-test" for name in ThreadSpy.threads]
    assert on_loop == [inline, inline]


def _open_fds() -> int:
    return len(os.listdir("/proc/self/fd"))


def test_remote_sessions_leave_no_threads_sockets_or_envs_behind():
    Counted.live.clear()
    with serving(wrap(Counted("MountainCar-v0"))) as url:
        with RemoteGymEnv(url) as warm_up:  # first-use imports and caches happen here
            warm_up.reset()
        time.sleep(0.2)
        threads, fds = threading.active_count(), _open_fds()
        for _ in range(10):
            with RemoteGymEnv(url) as env:
                env.reset(seed=1)
                env.step(2)
        deadline = time.monotonic() + 5
        while time.monotonic() < deadline and (
            Counted.live or threading.active_count() > threads or _open_fds() > fds
        ):
            time.sleep(0.05)
        assert Counted.live == set()
        assert threading.active_count() <= threads
        assert _open_fds() <= fds


def test_sessions_close_their_envs_even_after_failures():
    Counted.live.clear()
    with serving(wrap(Counted("CartPole-v1"))) as url:
        for _ in range(5):
            with RemoteGymEnv(url) as env:
                env.reset(seed=0)
                env.step(0)
                with pytest.raises(ServerError):
                    env.client.step({"action": 5})
        deadline = time.monotonic() + 5
        while Counted.live and time.monotonic() < deadline:
            time.sleep(0.02)
        assert Counted.live == set()


def test_connect_as_gymnasium_returns_a_real_env():
    import gymnasium as gym
    from envbridge.bridges.gymnasium import wrap

    import envbridge
    from tests.helpers import serving

    with serving(wrap("CartPole-v1")) as url:
        env = envbridge.connect(url).as_gymnasium()
        try:
            assert isinstance(env, gym.Env)
            assert env.action_space == gym.spaces.Discrete(2)
            observation, _ = env.reset(seed=3)
            local, _ = gym.make("CartPole-v1").reset(seed=3)
            assert observation.tolist() == local.tolist()
        finally:
            env.close()
