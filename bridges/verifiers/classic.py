"""The classic API (verifiers 0.3.x): ``env.run_rollout`` with the intercepting client."""

from __future__ import annotations

from typing import Any

from envbridge.bridges.verifiers.client import TrainerClient
from envbridge.bridges.verifiers.episode import Episode
from envbridge.bridges.verifiers.outcome import final_history, final_reward, outcome_metadata
from envbridge.bridges.verifiers.rows import RowChoice, Splits, choose_row
from envbridge.bridges.verifiers.turn_environment import Outcome, TurnEnvironment, mcp_tool
from envbridge.spec.environment import Tool


def classic_splits(vf_env: Any) -> Splits:
    """``train`` is the dataset; ``test`` the eval dataset, when the env has its own
    (verifiers' ``get_eval_dataset`` falls back to the train rows otherwise)."""
    splits: dict[str, Any] = {"train": vf_env.get_dataset}
    build = getattr(vf_env, "build_eval_dataset", None)
    if callable(build):
        build()
    if getattr(vf_env, "eval_dataset", None) is not None:
        splits["test"] = vf_env.get_eval_dataset
    return splits


class VerifiersEnvironment(TurnEnvironment):
    """A session on a shared classic ``vf.Environment`` (rows from its datasets)."""

    def __init__(
        self, vf_env: Any, *, name: str, model: str, sampling_args: dict[str, Any]
    ) -> None:
        super().__init__(name=name)
        self.vf_env = vf_env
        self.model = model
        self.sampling_args = sampling_args
        self._splits = classic_splits(vf_env)

    def _choose(self, seed: int | None, options: dict[str, Any]) -> RowChoice:
        return choose_row(self._splits, seed, options)

    def _task_splits(self) -> Splits:
        return self._splits

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
