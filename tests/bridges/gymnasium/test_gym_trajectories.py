"""Trajectory identity over the wire: the served env steps exactly like the local one.

Simulation mode: ``RemoteGymEnv`` over ``/ws``. Production mode: the ``act`` tool through
the parity harness (in process == ``/ws`` step(call_tool) == ``/mcp`` tools/call), then
checked against plain gymnasium.
"""

from __future__ import annotations

import gymnasium as gym
import pytest
from envbridge.bridges.gymnasium import encode_value, wrap
from envbridge.bridges.gymnasium.remote import RemoteGymEnv
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests.bridges.gymnasium.gym_trajectory import (
    CLASSIC_ENVS,
    CUSTOM_ENVS,
    actions,
    assert_same_step,
    decoded_act,
    invalid_action,
)
from tests.helpers import serving
from tests.properties.parity import ParityHarness

TRAJECTORIES = settings(
    max_examples=8,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
seeds = st.integers(0, 2**31 - 1)


@pytest.fixture(scope="module", params=CLASSIC_ENVS + CUSTOM_ENVS)
def remote(request):
    """(env id, RemoteGymEnv over /ws of a simulation server, local env)."""
    with serving(wrap(request.param)) as url:
        env = RemoteGymEnv(url)
        try:
            yield request.param, env, gym.make(request.param)
        finally:
            env.close()


@TRAJECTORIES
@given(data=st.data(), seed=seeds)
def test_remote_trajectory_equals_the_local_one_step_for_step(remote, data, seed):
    _, served, local = remote
    steps = data.draw(st.lists(actions(local.action_space), min_size=1, max_size=40))
    assert_same_step(local.observation_space, local.reset(seed=seed), served.reset(seed=seed))
    for action in steps:
        expected = local.step(action)
        assert_same_step(local.observation_space, expected, served.step(action))
        if expected[2] or expected[3]:
            assert_same_step(local.observation_space, local.reset(), served.reset())


@pytest.fixture(scope="module", params=CLASSIC_ENVS + CUSTOM_ENVS)
def harness(request):
    with ParityHarness(wrap(request.param)) as running:
        yield request.param, running


@TRAJECTORIES
@given(data=st.data(), seed=seeds)
def test_act_tool_trajectory_is_identical_in_process_over_ws_and_over_mcp(harness, data, seed):
    env_id, running = harness
    local = gym.make(env_id)
    space = local.action_space
    steps = data.draw(
        st.lists(
            st.one_of(actions(space).map(lambda a: ("valid", a)), st.just(("invalid", None))),
            min_size=1,
            max_size=25,
        )
    )
    calls = [
        ("act", {"action": encode_value(space, a) if kind == "valid" else invalid_action(space)})
        for kind, a in steps
    ]
    outcomes = running.check(calls, seed=seed)  # the three paths agree with each other...
    local.reset(seed=seed)
    for (kind, action), (status, value) in zip(steps, outcomes, strict=True):
        if kind == "invalid":
            assert (status, value) == ("error", "invalid_args")
            continue
        # ...and with plain gymnasium, including the automatic reset after an episode.
        assert status == "ok"
        got = decoded_act(local.observation_space, value)
        expected = local.step(action)
        remote = (got["observation"], got["reward"], got["terminated"], got["truncated"])
        assert_same_step(local.observation_space, expected, (*remote, got["info"]))
        if expected[2] or expected[3]:
            reset = got["reset"]
            assert_same_step(
                local.observation_space, local.reset(), (reset["observation"], reset["info"])
            )
        else:
            assert "reset" not in got
