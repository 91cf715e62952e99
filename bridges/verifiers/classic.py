"""The classic API (verifiers 0.3.x): ``env.run_rollout`` with the intercepting client."""

from __future__ import annotations

from typing import Any

from envbridge.bridges.verifiers.client import TrainerClient
from envbridge.bridges.verifiers.episode import Episode
from envbridge.bridges.verifiers.outcome import final_history, final_reward, outcome_metadata
from envbridge.bridges.verifiers.rows import RowChoice, choose_row
from envbridge.bridges.verifiers.turn_environment import Outcome, TurnEnvironment, mcp_tool
from envbridge.spec.environment import Tool


class VerifiersEnvironment(TurnEnvironment):
    """A session on a shared classic ``vf.Environment`` (rows from its datasets)."""

    def __init__(
        self, vf_env: Any, *, name: str, model: str, sampling_args: dict[str, Any]
    ) -> None:
        super().__init__(name=name)
        self.vf_env = vf_env
        self.model = model
        self.sampling_args = sampling_args
        self._splits = {"train": vf_env.get_dataset, "eval": vf_env.get_eval_dataset}

    def _choose(self, seed: int | None, options: dict[str, Any]) -> RowChoice:
        return choose_row(self._splits, seed, options)

    def _start(self, choice: RowChoice) -> Episode:
        client = TrainerClient()
        rollout = self.vf_env.run_rollout(
            dict(choice.row), client, self.model, dict(self.sampling_args)
        )
        return Episode(rollout, client.calls, client)

    async def _outcome(self, episode: Episode) -> Outcome:
        output = episode.output()
        return Outcome(
            await final_history(episode.client, output),
            final_reward(output),
            outcome_metadata(self.vf_env, output),
        )

    def _example_id(self, row: Any) -> Any:
        return row.get("example_id")

    def _declared_tools(self) -> list[Tool]:
        return [mcp_tool(tool) for tool in getattr(self.vf_env, "tool_defs", None) or []]


class VerifiersFactory:
    """The session factory ``wrap`` returns: a new :class:`VerifiersEnvironment` per call."""

    def __init__(
        self, vf_env: Any, *, name: str, model: str, sampling_args: dict[str, Any]
    ) -> None:
        self.vf_env = vf_env
        self.name = name
        self.model = model
        self.sampling_args = sampling_args

    def __call__(self) -> VerifiersEnvironment:
        return VerifiersEnvironment(
            self.vf_env, name=self.name, model=self.model, sampling_args=self.sampling_args
        )

    def __repr__(self) -> str:
        return f"VerifiersFactory({self.name!r})"
