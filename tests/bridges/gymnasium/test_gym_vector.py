"""RemoteVectorEnv against gymnasium's own SyncVectorEnv, in process: same seeds and
actions, same trajectories (observations, rewards, flags, infos), every autoreset mode."""

from __future__ import annotations

import contextlib
import time
from typing import Any

import gymnasium as gym
import numpy as np
import pytest
from envbridge.bridges.gymnasium import wrap
from envbridge.bridges.gymnasium.vector import RemoteVectorEnv
from envbridge.spec.client import EnvbridgeClientError, ServerError, SyncClient
from gymnasium.vector import AutoresetMode, SyncVectorEnv
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import envbridge
from tests.bridges.gymnasium.gym_trajectory import actions
from tests.helpers import serving

VECTOR_ENVS = [
    "CartPole-v1",
    "MountainCar-v0",
    "MountainCarContinuous-v0",
    "Pendulum-v1",
    "Acrobot-v1",
    "FrozenLake-v1",  # toy text: slippery, so the seeded RNG decides every move
]
"""Every classic-control env and one toy-text env."""

MAX_STEPS = 7
"""Short episodes (both sides make the env with this limit) so autoresets happen often."""


@pytest.fixture(scope="module")
def servers():
    """One real server per env id, shared by the module's examples."""
    with contextlib.ExitStack() as stack:
        yield {
            env_id: stack.enter_context(serving(wrap(env_id, max_episode_steps=MAX_STEPS)))
            for env_id in VECTOR_ENVS
        }


def assert_same(local: Any, remote: Any, where: str) -> None:
    """Equal values, dtypes and shapes (NaN equals NaN); dicts key by key."""
    if isinstance(local, dict):
        assert isinstance(remote, dict), where
        assert sorted(local) == sorted(remote), f"{where}: keys {sorted(local)} != {sorted(remote)}"
        for key in local:
            assert_same(local[key], remote[key], f"{where}.{key}")
    elif isinstance(local, tuple | list):
        assert type(local) is type(remote) and len(local) == len(remote), where
        for i, (a, b) in enumerate(zip(local, remote, strict=True)):
            assert_same(a, b, f"{where}[{i}]")
    elif isinstance(local, np.ndarray):
        assert isinstance(remote, np.ndarray), f"{where}: {type(remote)}"
        assert local.dtype == remote.dtype, f"{where}: dtype {local.dtype} != {remote.dtype}"
        assert local.shape == remote.shape, f"{where}: shape"
        if local.dtype == object:
            for i, (a, b) in enumerate(zip(local, remote, strict=True)):
                assert_same(a, b, f"{where}[{i}]")
        else:
            assert np.array_equal(local, remote, equal_nan=local.dtype.kind == "f"), where
    else:
        assert local == remote or (local != local and remote != remote), f"{where}"


def run(envs: gym.vector.VectorEnv, seed: Any, steps: list[Any]) -> list[Any]:
    trajectory: list[Any] = [envs.reset(seed=seed)]
    for batched in steps:
        trajectory.append(envs.step(batched))
    return trajectory


@st.composite
def scenarios(draw: Any) -> tuple[str, int, Any, list[Any], str]:
    env_id = draw(st.sampled_from(VECTOR_ENVS))
    num_envs = draw(st.integers(1, 4))
    single = gym.make(env_id).action_space
    batch = gym.vector.utils.batch_space(single, num_envs)
    steps = draw(
        st.lists(
            st.lists(actions(single), min_size=num_envs, max_size=num_envs), min_size=1, max_size=25
        )
    )
    batched = [
        gym.vector.utils.concatenate(
            single, step, gym.vector.utils.create_empty_array(single, num_envs)
        )
        for step in steps
    ]
    assert all(batch.contains(b) for b in batched)
    seed = draw(
        st.one_of(
            st.integers(0, 2**31),
            st.lists(st.integers(0, 2**31), min_size=num_envs, max_size=num_envs),
        )
    )
    mode = draw(st.sampled_from([AutoresetMode.NEXT_STEP, AutoresetMode.SAME_STEP]))
    return env_id, num_envs, seed, batched, mode


@settings(max_examples=30, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(scenario=scenarios())
def test_trajectories_equal_sync_vector_env(servers, scenario):
    env_id, num_envs, seed, steps, mode = scenario
    local = SyncVectorEnv(
        [lambda: gym.make(env_id, max_episode_steps=MAX_STEPS)] * num_envs, autoreset_mode=mode
    )
    remote = RemoteVectorEnv(servers[env_id], num_envs, autoreset_mode=mode)
    try:
        assert remote.single_action_space == local.single_action_space
        assert remote.single_observation_space == local.single_observation_space
        assert remote.action_space == local.action_space
        assert remote.observation_space == local.observation_space
        assert remote.metadata["autoreset_mode"] == local.metadata["autoreset_mode"]
        expected, got = run(local, seed, steps), run(remote, seed, steps)
        assert_same(expected, got, f"{env_id} N={num_envs} {mode}")
    finally:
        local.close()
        remote.close()


def test_one_batch_frame_per_step_and_autoreset_in_the_same_frame(servers):
    envs = envbridge.connect(servers["CartPole-v1"]).as_gymnasium_vector(8)
    try:
        assert isinstance(envs, gym.vector.VectorEnv)
        envs.reset(seed=3)
        frames, ended = envs.frames, 0
        for _ in range(3 * MAX_STEPS):
            _, _, terminations, truncations, _ = envs.step(envs.action_space.sample())
            ended += int(np.sum(terminations | truncations))
        assert ended >= 8  # every sub-env finished at least once...
        assert envs.frames - frames == 3 * MAX_STEPS  # ...and still one frame per step
    finally:
        envs.close()


def test_disabled_autoreset_needs_a_reset_mask_and_then_matches(servers):
    kwargs = {"autoreset_mode": AutoresetMode.DISABLED}
    local = SyncVectorEnv(
        [lambda: gym.make("CartPole-v1", max_episode_steps=MAX_STEPS)] * 2, **kwargs
    )
    remote = RemoteVectorEnv(servers["CartPole-v1"], 2, **kwargs)
    try:
        for envs in (local, remote):
            envs.reset(seed=[5, 9])
        for _ in range(MAX_STEPS):
            a, b = local.step(np.array([0, 1])), remote.step(np.array([0, 1]))
            assert_same(a, b, "step")
        with pytest.raises(RuntimeError, match="reset_mask"):
            remote.step(np.array([0, 1]))
        mask = np.array([True, False])
        assert_same(
            local.reset(seed=[11, None], options={"reset_mask": mask}),
            remote.reset(seed=[11, None], options={"reset_mask": mask}),
            "masked reset",
        )
        with pytest.raises(TypeError, match="reset_mask"):
            remote.reset(options={"reset_mask": [True, False]})
    finally:
        local.close()
        remote.close()


def test_bad_actions_and_bad_servers_give_clear_errors(servers):
    envs = RemoteVectorEnv(SyncClient(servers["MountainCarContinuous-v0"]), 2)
    try:
        envs.reset(seed=0)
        with pytest.raises(ServerError, match="sub-env 1"):
            envs.step(np.array([[0.5], [7.0]], dtype=np.float32))  # 7.0 is outside the Box
    finally:
        envs.close()
        envs.close()  # twice is fine
    with pytest.raises(RuntimeError, match="closed"):
        envs.step(np.zeros((2, 1), dtype=np.float32))
    with pytest.raises(ValueError, match="num_envs"):
        RemoteVectorEnv(servers["CartPole-v1"], 0)
    from envbridge.spec.environment import Environment, Observation

    class NotGym(Environment):
        def reset(self, **_):
            return Observation({})

        def step(self, action):
            return Observation({})

    with serving(NotGym) as url, pytest.raises(TypeError, match="envbridge serve gym:"):
        RemoteVectorEnv(url, 2)


def test_sessions_are_released_on_close():
    """A server with room for exactly one 5-env vector (5 batch sessions + the connection's
    own): a second vector fits only once the first is closed."""
    with serving(wrap("Acrobot-v1"), max_sessions=6) as url:
        first = RemoteVectorEnv(url, 5)
        first.reset(seed=0)
        with pytest.raises(EnvbridgeClientError):  # capacity: refused, or the socket closed
            RemoteVectorEnv(url, 5)
        first.close()
        for attempt in range(50):  # the server closes sessions as the socket goes
            try:
                second = RemoteVectorEnv(url, 5)
                break
            except EnvbridgeClientError:
                if attempt == 49:
                    raise
                time.sleep(0.05)
        second.reset(seed=1)
        second.close()
