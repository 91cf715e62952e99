"""The demo's one training loop: every environment through one pool, no lockstep.

Each environment advances in rounds of pool calls (reset the sessions whose episode
ended, step the rest); the loop waits for whichever round finishes first, feeds the
policy, and starts that environment's next round. A slow environment never holds up a
fast one; a fast scripted one waits for the learner rather than run ahead of it (so
the learner keeps the CPU), and the learner decides when training is over.
"""

from __future__ import annotations

import asyncio
import time
from dataclasses import dataclass, field
from typing import Any

from envbridge.demo.console import ProgressBar
from envbridge.demo.policies import Policy
from envbridge.pool import Pool


@dataclass
class EnvRun:
    """One environment's sessions, policy and running totals."""

    name: str
    sessions: list[int]
    policy: Policy
    returns: list[float] = field(default_factory=list)
    steps: int = 0
    errors: int = 0
    next_seed: int = 0
    rounds: int = 0
    _observations: dict[int, dict[str, Any]] = field(default_factory=dict)
    _running: dict[int, float] = field(default_factory=dict)
    _to_reset: list[int] = field(default_factory=list)

    def __post_init__(self) -> None:
        self._to_reset = list(self.sessions)

    @property
    def episodes(self) -> int:
        return len(self.returns)

    def mean_return(self, last: int | None = None) -> float:
        """Mean episode return (of the ``last`` episodes if given); 0 before any."""
        chosen = self.returns[-last:] if last else self.returns
        return sum(chosen) / len(chosen) if chosen else 0.0

    async def advance(self, pool: Pool) -> None:
        """Reset finished sessions, then step every running one once."""
        if self._to_reset:
            chosen, self._to_reset = self._to_reset, []
            results = await pool.reset(chosen, seed=self.next_seed)
            self.next_seed += len(chosen)
            for result in results:
                if result.ok:
                    self._observations[result.index] = result.observation
                    self._running[result.index] = 0.0
                else:
                    self.errors += 1
                    self._to_reset.append(result.index)
        self.rounds += 1
        actions = {i: self.policy.act(i, obs) for i, obs in self._observations.items()}
        if not actions:
            await asyncio.sleep(0.1)  # every reset failed: do not spin
            return
        for result in await pool.step(actions):
            self._record(result)

    def _record(self, result: Any) -> None:
        index = result.index
        if not result.ok:  # the episode is lost (e.g. a dropped connection): start over
            self.errors += 1
            self.policy.end_episode(index, completed=False)
            self._observations.pop(index, None)
            self._to_reset.append(index)
            return
        self.steps += 1
        reward = float(result.reward or 0.0)
        self._running[index] += reward
        self.policy.reward(index, reward)
        if result.done:
            self.returns.append(self._running[index])
            self.policy.end_episode(index, completed=True)
            self._observations.pop(index)
            self._to_reset.append(index)
        else:
            self._observations[index] = result.observation


async def train(
    pool: Pool, runs: list[EnvRun], *, episodes: int, seconds: float, bar: ProgressBar
) -> float:
    """Run until the learner has ``episodes`` episodes (or ``seconds`` pass); wall time."""
    learner = next((run for run in runs if run.policy.learns), None)
    started = time.monotonic()

    def progress() -> float:
        by_time = (time.monotonic() - started) / seconds
        by_episodes = learner.episodes / episodes if learner else 0.0
        return min(1.0, max(by_time, by_episodes))

    pending: dict[asyncio.Future[None], EnvRun] = {}
    waiting: list[EnvRun] = []

    def launch(run: EnvRun) -> None:
        pending[asyncio.ensure_future(run.advance(pool))] = run

    for run in runs:
        launch(run)
    try:
        while pending:
            finished, _ = await asyncio.wait(pending, return_when=asyncio.FIRST_COMPLETED)
            for task in finished:
                run = pending.pop(task)
                task.result()
                if progress() >= 1.0:
                    continue
                if learner is not None and run is not learner and run.rounds > learner.rounds:
                    waiting.append(run)
                else:
                    launch(run)
                if run is learner:
                    for ready in waiting:
                        launch(ready)
                    waiting.clear()
            bar.update(progress(), _status(runs, learner))
    finally:
        for task in pending:
            task.cancel()
        await asyncio.gather(*pending, return_exceptions=True)
    bar.finish()
    return time.monotonic() - started


def _status(runs: list[EnvRun], learner: EnvRun | None) -> str:
    parts = []
    if learner:
        parts.append(f"{learner.name}: {learner.episodes} ep, recent {learner.mean_return(16):.0f}")
    parts += [f"{run.name}: {run.episodes} ep" for run in runs if run is not learner]
    return " | ".join(parts)
