"""More classic shapes for the equivalence test: a StatefulToolEnv and an EnvGroup."""

from __future__ import annotations

import verifiers as vf
import vf_guess
import vf_math
from datasets import Dataset


def lookup(key: str, vault: dict) -> str:
    """Look a key up in this episode's vault.

    Args:
        key: The key to look up.
    """
    return vault.get(key, f"no such key: {key}")


class VaultEnv(vf.StatefulToolEnv):
    """``lookup`` gets a per-episode ``vault`` injected from state (hidden from the model)."""

    def __init__(self, **kwargs):
        super().__init__(**kwargs)
        self.add_tool(lookup, args_to_skip=["vault"])

    async def setup_state(self, state):
        state["vault"] = {"color": state["answer"], "shape": "circle"}
        return state

    def update_tool_args(self, tool_name, tool_args, messages, state, **kwargs):
        return {**tool_args, "vault": state["vault"]} if tool_name == "lookup" else tool_args


def vault_env() -> vf.Environment:
    def correct(completion, answer) -> float:
        return 1.0 if answer in str(completion[-1].content or "") else 0.0

    dataset = Dataset.from_list(
        [{"question": "What color is in the vault?", "answer": c} for c in ("red", "teal")]
    )
    return VaultEnv(dataset=dataset, rubric=vf.Rubric(funcs=[correct]), max_turns=4)


def group_env() -> vf.Environment:
    return vf.EnvGroup(
        envs=[vf_math.load_environment(num_examples=2), vf_guess.load_environment()],
        env_names=["math", "guess"],
    )
