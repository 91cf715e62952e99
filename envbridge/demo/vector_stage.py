"""The demo's vector stage: a CleanRL-style loop on ``as_gymnasium_vector(N)``.

N CartPole sessions of the demo's Gymnasium server, stepped with one batch frame per
``step()``, Gymnasium 1.x next-step autoreset; the same pure-Python REINFORCE learner as
the pool stage, fed per sub-env trajectories. Runs in its own thread beside the pool
stage, for the same time budget.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field

import numpy as np

import envbridge
from envbridge.demo.reinforce import Reinforce


@dataclass
class VectorRun:
    """What the stage did: episode returns in finishing order, steps, frames, wall time."""

    num_envs: int
    returns: list[float] = field(default_factory=list)
    env_steps: int = 0
    frames: int = 0
    wall: float = 0.0
    error: str | None = None

    def mean(self, first: bool, k: int) -> float:
        chosen = self.returns[:k] if first else self.returns[-k:]
        return sum(chosen) / len(chosen) if chosen else 0.0


def train_vector(url: str, num_envs: int, seconds: float, seed: int = 0) -> VectorRun:
    """Train until ``seconds`` pass; never raises (errors are reported in the result)."""
    run = VectorRun(num_envs)
    started = time.monotonic()
    try:
        envs = envbridge.connect(url).as_gymnasium_vector(num_envs)
    except Exception as exc:
        run.error = f"could not open the vector env: {exc}"
        return run
    agent = Reinforce(4, learning_rate=0.15, episodes_per_update=num_envs, seed=seed)
    try:
        observations, _ = envs.reset(seed=seed)
        trajectories: list[list[tuple[list[float], int, float]]] = [[] for _ in range(num_envs)]
        resetting = [False] * num_envs  # next-step autoreset: this step only resets
        while time.monotonic() - started < seconds:
            states = [[float(x) for x in row] for row in observations]
            actions = [agent.act(state) for state in states]
            observations, rewards, terminations, truncations, _ = envs.step(np.asarray(actions))
            run.env_steps += num_envs
            for i in range(num_envs):
                if resetting[i]:
                    resetting[i] = False
                    continue
                trajectories[i].append((states[i], actions[i], float(rewards[i])))
                if terminations[i] or truncations[i]:
                    run.returns.append(sum(r for _, _, r in trajectories[i]))
                    agent.finish_episode(trajectories[i])
                    trajectories[i] = []
                    resetting[i] = True
        run.frames = envs.frames
    except Exception as exc:
        run.error = f"{type(exc).__name__}: {exc}"
    finally:
        envs.close()
        run.wall = time.monotonic() - started
    return run


def report_lines(run: VectorRun) -> list[str]:
    """The stage's summary for the console."""
    if run.error:
        return [f"  vector stage failed: {run.error}"]
    k = max(1, min(2 * run.num_envs, len(run.returns) // 3))
    return [
        f"  as_gymnasium_vector({run.num_envs}): {len(run.returns)} episodes, "
        f"{run.env_steps} env steps in {run.wall:.1f} s "
        f"({run.env_steps / max(run.wall, 1e-9):,.0f} env steps/s; "
        f"{run.frames} batch frames, one per step())",
        f"  CartPole return, first {k} episodes: {run.mean(True, k):.1f} -> last {k}: "
        f"{run.mean(False, k):.1f}  (REINFORCE on a gymnasium.vector.VectorEnv)",
    ]
