"""Small verifiers environments that fail on purpose (built by tests on the main thread)."""

from __future__ import annotations

import verifiers as vf
from datasets import Dataset


class ExplodingEnv(vf.MultiTurnEnv):
    """env_response raises ValueError when the model says "boom"; otherwise replies "ok"."""

    async def env_response(self, messages, state, **kwargs):
        if "boom" in str(messages[-1].content or ""):
            raise ValueError("kaboom from env_response")
        return [vf.UserMessage(content="ok")]


class BrokenSetupEnv(vf.SingleTurnEnv):
    """setup_state raises a plain exception (environment code bug)."""

    async def setup_state(self, state):
        raise KeyError("missing resource in setup_state")


class EchoEnv(vf.MultiTurnEnv):
    """Replies "again" forever; used with a short ``timeout_seconds``."""

    async def env_response(self, messages, state, **kwargs):
        return [vf.UserMessage(content="again")]


def _dataset() -> Dataset:
    return Dataset.from_list([{"question": "Say something.", "answer": "x"}])


def _rubric() -> vf.Rubric:
    def said_x(completion) -> float:
        return 1.0 if any("x" in str(m.content or "") for m in completion) else 0.0

    return vf.Rubric(funcs=[said_x], weights=[1.0])


def exploding_env() -> vf.Environment:
    return ExplodingEnv(dataset=_dataset(), rubric=_rubric(), max_turns=4)


def broken_setup_env() -> vf.Environment:
    return BrokenSetupEnv(dataset=_dataset(), rubric=_rubric())


def timing_out_env(timeout_s: float) -> vf.Environment:
    return EchoEnv(dataset=_dataset(), rubric=_rubric(), max_turns=50, timeout_seconds=timeout_s)
