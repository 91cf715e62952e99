"""What acts in each environment: a learner on the Gymnasium env, scripts on the rest.

A policy sees one session's observation, returns the wire action, and hears about the
rewards and the end of each episode.
"""

from __future__ import annotations

import re
from pathlib import Path
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


class BinarySearchGuesser(Policy):
    """verifiers' vf-guess: bisect the range using the game's "higher"/"lower" replies.

    Reads everything it needs from the conversation in the observation, so it keeps no
    state of its own; the action is the assistant message.
    """

    description = "scripted: binary search on higher/lower"

    def act(self, session: int, observation: dict[str, Any]) -> dict[str, Any]:
        low, high = 1, 10
        last_guess: int | None = None
        for message in observation.get("messages", []):
            text = str(message.get("content") or "")
            if message.get("role") == "assistant":
                last_guess = _last_int(text)
            elif message.get("role") == "user":
                found = re.search(r"\((\d+)\s*-\s*(\d+)\)", text)
                if found:
                    low, high = int(found.group(1)), int(found.group(2))
                elif last_guess is not None and "higher" in text:
                    low = last_guess + 1
                elif last_guess is not None and "lower" in text:
                    high = last_guess - 1
        return {"role": "assistant", "content": str((low + high) // 2)}


def _last_int(text: str) -> int | None:
    numbers = re.findall(r"-?\d+", text)
    return int(numbers[-1]) if numbers else None


class HarborOracle(Policy):
    """harbor tasks: upload the task's own ``solution/solve.sh``, run it, submit.

    This is harbor's oracle agent; it shows the plumbing (tool calls, the verifier's
    reward), not intelligence.
    """

    description = "scripted: the task's solution/solve.sh (oracle)"

    def __init__(self, tasks_dir: Path):
        self.tasks_dir = tasks_dir
        self._plans: dict[int, list[dict[str, Any]]] = {}

    def act(self, session: int, observation: dict[str, Any]) -> dict[str, Any]:
        if "task_id" in observation:  # the first observation of an episode
            self._plans[session] = self._plan(str(observation["task_id"]))
        plan = self._plans[session]
        return plan.pop(0) if len(plan) > 1 else plan[0]

    def _plan(self, task_id: str) -> list[dict[str, Any]]:
        from envbridge.bridges.harbor.oracle import solution_exports
        from envbridge.bridges.harbor.task import load_task

        task = load_task(self.tasks_dir / task_id)
        script = task.solve_script.read_text()
        return [
            _tool("write_file", path="/tmp/envbridge-solve.sh", content=script),
            _tool("exec", command=f"{solution_exports(task)}bash /tmp/envbridge-solve.sh"),
            _tool("submit"),
        ]

    def end_episode(self, session: int, completed: bool) -> None:
        self._plans.pop(session, None)


def _tool(name: str, **arguments: Any) -> dict[str, Any]:
    return {"type": "call_tool", "tool_name": name, "arguments": arguments}
