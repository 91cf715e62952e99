"""Small gymnasium envs that provoke failures, and a factory that counts live envs."""

from __future__ import annotations

import threading
from typing import Any, ClassVar

import gymnasium as gym
import numpy as np
from gymnasium import spaces


class Fragile(gym.Env):
    """Action 1 makes ``step`` raise (a crashing env); action 0 counts steps."""

    observation_space = spaces.Discrete(100)
    action_space = spaces.Discrete(2)

    def reset(self, *, seed=None, options=None):
        super().reset(seed=seed)
        self.count = 0
        return self.count, {}

    def step(self, action):
        if int(action) == 1:
            raise RuntimeError("sensor failure")
        self.count += 1
        return self.count, 1.0, False, False, {}


class NaNSensor(gym.Env):
    """Observations full of non-finite floats, to exercise the NaN/infinity policy."""

    observation_space = spaces.Box(-np.inf, np.inf, shape=(4,), dtype=np.float64)
    action_space = spaces.Discrete(1)
    VALUES = np.array([np.nan, np.inf, -np.inf, -0.0])

    def reset(self, *, seed=None, options=None):
        super().reset(seed=seed)
        return self.VALUES.copy(), {"worst": float("inf"), "raw": self.VALUES.copy()}

    def step(self, action):
        return self.VALUES.copy(), float("nan"), False, False, {}


class Counted:
    """A factory of ``gym.make(env_id)`` envs that knows how many are still open."""

    live: ClassVar[set[int]] = set()
    lock = threading.Lock()

    def __init__(self, env_id: str):
        self.env_id = env_id

    def __call__(self) -> gym.Env:
        env = gym.make(self.env_id)
        key = id(env)
        with self.lock:
            Counted.live.add(key)
        real_close = env.close

        def close() -> Any:
            with self.lock:
                Counted.live.discard(key)
            return real_close()

        env.close = close  # type: ignore[method-assign]
        return env


class ThreadSpy(gym.Env):
    """Records which thread runs ``step`` (to tell inline stepping from the worker thread)."""

    observation_space = spaces.Discrete(2)
    action_space = spaces.Discrete(2)
    threads: ClassVar[list[str]] = []

    def reset(self, *, seed=None, options=None):
        super().reset(seed=seed)
        return 0, {}

    def step(self, action):
        ThreadSpy.threads.append(threading.current_thread().name)
        return 0, 0.0, False, False, {}
