"""make_vec from a serve target: a real VectorEnv whose server lives and dies with it."""

from __future__ import annotations

import gymnasium as gym
import httpx
import numpy as np
import pytest

from envbridge.integrations.gymnasium import make_vec


def test_make_vec_from_a_bare_id_matches_sync_vector_env_and_stops_its_server():
    envs = make_vec("Acrobot-v1", 3, options={"max_episode_steps": 4})
    local = gym.vector.SyncVectorEnv([lambda: gym.make("Acrobot-v1", max_episode_steps=4)] * 3)
    url = envs.client.base_url
    try:
        assert isinstance(envs, gym.vector.VectorEnv)
        assert envs.single_observation_space == local.single_observation_space
        a, b = envs.reset(seed=[1, 2, 3]), local.reset(seed=[1, 2, 3])
        assert np.array_equal(a[0], b[0])
        for k in range(9):  # two autoresets per sub-env
            actions = np.array([k % 3, (k + 1) % 3, 2])
            remote_step, local_step = envs.step(actions), local.step(actions)
            for x, y in zip(remote_step[:4], local_step[:4], strict=True):
                assert np.array_equal(x, y)
    finally:
        envs.close()
        local.close()
    with pytest.raises(httpx.HTTPError):
        httpx.get(f"{url}/health", trust_env=False, timeout=2)


def test_make_vec_reports_a_bad_target():
    with pytest.raises(Exception, match="NoSuchEnv"):
        make_vec("gym:NoSuchEnv-v0", 2)
