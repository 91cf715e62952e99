"""What acts in each environment: a learner on the Gymnasium env, scripts on the rest.

A policy sees one session's observation, returns the wire action, and hears about the
rewards and the end of each episode.
"""

from __future__ import annotations

from typing import Any

from envbridge.demo.reinforce import Reinforce


class Policy:
    """Acts for every session of one environment."""

    learns = False
    description = "scripted"

    def act(self, session: int, observation: dict[str, Any]) -> dict[str, Any]:
        raise NotImplementedError

    def reward(self, session: int, reward: float) -> None:
        """The reward of the last action of ``session``."""

    def end_episode(self, session: int, completed: bool) -> None:
        """The episode of ``session`` ended (``completed`` False: lost to an error)."""


class CartPoleLearner(Policy):
    """REINFORCE on CartPole's 4 numbers; actions ``{"action": 0 | 1}``."""

    learns = True
    description = "REINFORCE (logistic policy, pure Python)"

    def __init__(self, sessions: int, seed: int = 0):
        self.agent = Reinforce(4, learning_rate=0.15, episodes_per_update=sessions, seed=seed)
        self._trajectories: dict[int, list[tuple[list[float], int, float]]] = {}
        self._pending: dict[int, tuple[list[float], int]] = {}

    def act(self, session: int, observation: dict[str, Any]) -> dict[str, Any]:
        state = [float(x) for x in observation["observation"]]
        action = self.agent.act(state)
        self._pending[session] = (state, action)
        return {"action": action}

    def reward(self, session: int, reward: float) -> None:
        state, action = self._pending.pop(session)
        self._trajectories.setdefault(session, []).append((state, action, reward))

    def end_episode(self, session: int, completed: bool) -> None:
        trajectory = self._trajectories.pop(session, [])
        self._pending.pop(session, None)
        if completed and trajectory:
            self.agent.finish_episode(trajectory)


class CountUp(Policy):
    """The OpenEnv counter: add 2 until the count reaches its target."""

    description = "scripted: delta +2 until done"

    def act(self, session: int, observation: dict[str, Any]) -> dict[str, Any]:
        return {"delta": 2}
