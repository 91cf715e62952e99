"""v1 environments served turn by turn.

A bare taskset: each episode is one null-harness agent run (what ``SingleAgentEnv``
does). A package's own ``Env`` with one agent seat (for example a game whose ``run``
plays the user): each episode is ``env.run_episode``. Either way verifiers' own harness,
tools, limits, stops and scoring run in offline subprocess runtimes, and the
interception server hands every model call of the seat to the trainer.
"""

from __future__ import annotations

from typing import Any

import verifiers.v1 as vf
from envbridge.bridges.verifiers.chat import clean_messages
from envbridge.bridges.verifiers.episode import Episode
from envbridge.bridges.verifiers.rows import RowChoice, Splits, choose_row
from envbridge.bridges.verifiers.turn_environment import Outcome, TurnEnvironment, mcp_tool
from envbridge.bridges.verifiers.turns import finite_or_none
from envbridge.bridges.verifiers.v1.client import TrainerClient, TrainerInterception
from envbridge.bridges.verifiers.v1.runtime import OfflineRuntime, run_scripts_offline
from envbridge.bridges.verifiers.v1.seats import refuse_non_local_seats
from envbridge.bridges.verifiers.v1.tool_probe import has_toolsets, probe_tools
from envbridge.spec.environment import Tool
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


async def run_env_episode(env: Any, task: Any, model: str, client: TrainerClient) -> Any:
    """One ``env.run_episode`` of ``task`` whose agents' model is the trainer.

    verifiers offers no hook for an episode's interception server: it is the env's
    ``_interception`` (set by ``Env.serving``), so each session owns its env instance.
    """
    async with TrainerInterception(client) as interception:
        env._interception = interception
        env._shared_tools = {}
        try:
            ctx = vf.ModelContext(model=model, client=vf.EvalClientConfig())
            return await env.run_episode(task, ctx)
        finally:
            env._interception = None


def episode_outcome(episode: Any) -> Outcome:
    """The outcome of an Env episode: its one agent's trace, plus the episode's errors."""
    if not episode.traces:
        errors = "; ".join(str(error) for error in episode.errors) or "no agent ran"
        return Outcome(
            [],
            None,
            {
                "rewards": {},
                "metrics": {},
                "stop_condition": None,
                "is_truncated": False,
                "error": errors,
            },
        )
    outcome = trace_outcome(episode.traces[-1])
    if episode.errors:
        extra = "; ".join(str(error) for error in episode.errors)
        outcome.metadata["error"] = "; ".join(filter(None, [outcome.metadata["error"], extra]))
    return outcome


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

    def __init__(
        self,
        tasks: list[Any],
        *,
        name: str,
        config: vf.AgentConfig,
        declared_tools: list[dict[str, Any]] | None = None,
    ) -> None:
        super().__init__(name=name)
        self.tasks = tasks
        self.config = config
        self.declared_tools = declared_tools or []
        """The first task's tools, listed before this session's first reset."""

    def _declared_tools(self) -> list[Tool]:
        return [mcp_tool(tool.get("function") or {}) for tool in self.declared_tools]

    def _choose(self, seed: int | None, options: dict[str, Any]) -> RowChoice:
        return choose_row(self._task_splits(), seed, options)

    def _task_splits(self) -> Splits:
        return {"train": lambda: self.tasks}

    def _task_row(self, row: Any) -> Any:
        return row.data

    def _start(self, choice: RowChoice) -> Episode:
        client = TrainerClient()
        return Episode(run_task(self.config, choice.row, client), client.calls, client)

    async def _outcome(self, episode: Episode) -> Outcome:
        return trace_outcome(episode.output())

    def _example_id(self, row: Any) -> Any:
        return row.data.idx if row.data.idx is not None else row.data.id


class EnvEnvironment(TasksetEnvironment):
    """A session on its own instance of a package's one-seat v1 ``Env``."""

    def __init__(
        self,
        env: Any,
        tasks: list[Any],
        *,
        name: str,
        model: str,
        declared_tools: list[dict[str, Any]] | None = None,
    ) -> None:
        super().__init__(
            tasks, name=name, config=vf.AgentConfig(model=model), declared_tools=declared_tools
        )
        self.env = env

    def _start(self, choice: RowChoice) -> Episode:
        client = TrainerClient()
        rollout = run_env_episode(self.env, choice.row, self.config.model, client)
        return Episode(rollout, client.calls, client)

    async def _outcome(self, episode: Episode) -> Outcome:
        return episode_outcome(episode.output())


class EnvFactory:
    """The session factory for a v1 ``Env`` config (one env instance per session)."""

    def __init__(self, config: Any, *, name: str, model: str) -> None:
        probe = vf.load_environment(config)
        seats = list(probe._agent_specs)
        if len(seats) != 1:
            raise ValueError(
                f"{type(probe).__name__} has agent seats {seats}; the verifiers bridge hands "
                "exactly one seat to the trainer, so it serves one-seat Envs only"
            )
        refuse_non_local_seats(name, probe._agent_specs)
        run_scripts_offline()
        self.config = config
        self.tasks = list(probe.taskset)
        self.name = name
        self.model = model
        self.declared_tools: list[dict[str, Any]] = []
        if has_toolsets(self.tasks[0]):
            self.declared_tools = probe_tools(self)

    def __call__(self) -> EnvEnvironment:
        env = vf.load_environment(self.config)
        return EnvEnvironment(
            env, self.tasks, name=self.name, model=self.model, declared_tools=self.declared_tools
        )


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
        self.declared_tools: list[dict[str, Any]] = []
        if has_toolsets(self.tasks[0]):
            self.declared_tools = probe_tools(self)

    def __call__(self) -> TasksetEnvironment:
        return TasksetEnvironment(
            self.tasks, name=self.name, config=self.config, declared_tools=self.declared_tools
        )
