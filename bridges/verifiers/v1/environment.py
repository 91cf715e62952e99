"""A v1 taskset served turn by turn: each episode is one null-harness agent run.

The agent runs verifiers' own null harness (its chat program, MCP tools, limits, stops
and scoring) in an offline subprocess runtime; the interception server hands every model
call to the trainer.
"""

from __future__ import annotations

from typing import Any

import verifiers.v1 as vf
from envbridge.bridges.verifiers.chat import clean_messages
from envbridge.bridges.verifiers.episode import Episode
from envbridge.bridges.verifiers.rows import RowChoice, choose_row
from envbridge.bridges.verifiers.turn_environment import Outcome, TurnEnvironment
from envbridge.bridges.verifiers.turns import finite_or_none
from envbridge.bridges.verifiers.v1.client import TrainerClient, TrainerInterception
from envbridge.bridges.verifiers.v1.runtime import OfflineRuntime
from verifiers.v1.dialects.chat import message_to_wire
from verifiers.v1.harnesses.null import NullHarness


class OfflineNullHarness(NullHarness):
    """The null harness without its uv bootstrap (the runtime runs it with this Python)."""

    async def setup(self, runtime: Any) -> None:
        return None


async def run_task(config: vf.AgentConfig, task: Any, client: TrainerClient) -> Any:
    """One agent run of ``task`` whose model is the trainer; returns the trace."""
    runtime = OfflineRuntime()
    async with TrainerInterception(client) as interception:
        agent = vf.make_agent(config, interception=interception)
        agent.harness = OfflineNullHarness(agent.harness.config)
        async with agent:
            await runtime.start()
            try:
                return await agent.run(task, runtime=runtime)
            finally:
                await runtime.teardown()


def trace_outcome(trace: Any) -> Outcome:
    """History, reward and breakdown of a finished trace."""
    rewards = {
        name: {"score": finite_or_none(r.score), "weight": float(r.weight)}
        for name, r in trace.rewards.items()
        if r is not None
    }
    errors = [str(error) for error in trace.errors]
    return Outcome(
        clean_messages([message_to_wire(message) for message in trace.messages]),
        finite_or_none(trace.reward),
        {
            "rewards": rewards,
            "metrics": {name: finite_or_none(v) for name, v in trace.metrics.items()},
            "stop_condition": trace.stop_condition,
            "is_truncated": False,
            "error": "; ".join(errors) or None,
        },
    )


class TasksetEnvironment(TurnEnvironment):
    """A session on a shared list of v1 tasks."""

    def __init__(self, tasks: list[Any], *, name: str, config: vf.AgentConfig) -> None:
        super().__init__(name=name)
        self.tasks = tasks
        self.config = config

    def _choose(self, seed: int | None, options: dict[str, Any]) -> RowChoice:
        return choose_row({"train": lambda: self.tasks}, seed, options)

    def _start(self, choice: RowChoice) -> Episode:
        client = TrainerClient()
        return Episode(run_task(self.config, choice.row, client), client.calls, client)

    async def _outcome(self, episode: Episode) -> Outcome:
        return trace_outcome(episode.output())

    def _example_id(self, row: Any) -> Any:
        return row.data.idx if row.data.idx is not None else row.data.id


class TasksetFactory:
    """The session factory for a v1 taskset."""

    def __init__(self, taskset: Any, *, name: str, model: str, max_turns: int | None) -> None:
        if getattr(taskset, "INFINITE", False):
            raise ValueError(
                f"{type(taskset).__name__} yields tasks forever; serve a bounded view "
                "(taskset.take(n))"
            )
        self.tasks = list(taskset)  # iterating sets idx and applies config overrides
        if not self.tasks:
            raise ValueError(f"{type(taskset).__name__} has no tasks")
        self.name = name
        self.config = vf.AgentConfig(
            model=model,
            harness={"id": "null"},
            runtime={"type": "subprocess"},
            max_turns=max_turns,
        )

    def __call__(self) -> TasksetEnvironment:
        return TasksetEnvironment(self.tasks, name=self.name, config=self.config)
