"""vf-guess: a multi-turn number-guessing game (classic verifiers ``MultiTurnEnv``, offline).

The environment answers each guess with "higher", "lower" or "Correct!" (which ends the
rollout). ``solved`` (weight 1.0) and ``efficiency`` (weight 0.5, fewer guesses is
better) make the reward.
"""

from __future__ import annotations

import re

import verifiers as vf
from datasets import Dataset

PROMPT = "Guess my number ({low}-{high}). Reply with just the number."
SECRETS = [7, 3, 10, 1, 5, 8]


def build_dataset(high: int = 10) -> Dataset:
    """One row per secret number (kept within 1..high)."""
    return Dataset.from_list(
        [
            {"question": PROMPT.format(low=1, high=high), "answer": str(secret)}
            for secret in SECRETS
            if secret <= high
        ]
    )


def _last_guess(text: str) -> int | None:
    numbers = re.findall(r"-?\d+", text or "")
    return int(numbers[-1]) if numbers else None


class GuessEnv(vf.MultiTurnEnv):
    """Replies to each guess; a correct guess is the final environment response."""

    async def setup_state(self, state: vf.State) -> vf.State:
        state["guesses"] = []
        return state

    async def env_response(self, messages: vf.Messages, state: vf.State, **kwargs) -> vf.Messages:
        guess = _last_guess(str(messages[-1].content or ""))
        state["guesses"].append(guess)
        secret = int(state["answer"])
        if guess is None:
            return [vf.UserMessage(content="Reply with a number.")]
        if guess == secret:
            reply = [vf.UserMessage(content="Correct!")]
            state["final_env_response"] = reply
            return reply
        return [vf.UserMessage(content="higher" if guess < secret else "lower")]


def solved(state) -> float:
    """1.0 when the last guess was the secret number."""
    guesses = state.get("guesses") or []
    return 1.0 if guesses and guesses[-1] == int(state["answer"]) else 0.0


def efficiency(state) -> float:
    """1/number of guesses when solved, else 0."""
    guesses = state.get("guesses") or []
    return 1.0 / len(guesses) if solved(state) else 0.0


def load_environment(max_turns: int = 5, high: int = 10) -> vf.Environment:
    """A ``GuessEnv`` with ``max_turns`` guesses over secrets in 1..high."""
    rubric = vf.Rubric(funcs=[solved, efficiency], weights=[1.0, 0.5])
    return GuessEnv(dataset=build_dataset(high), rubric=rubric, max_turns=max_turns)
