"""A classic verifiers ToolEnv that misbehaves on command (serve target
``tests.chaos.vf_chaos:FACTORY``; built at import, on the main thread, as verifiers needs).

Row 0 is healthy. Row 1's ``setup_state`` raises SystemExit (the reset case). On other
rows the assistant's words choose: "exit" (SystemExit in ``env_response``), "exit-nested"
(SystemExit in a task the env spawns: it escapes the shared rollout loop itself),
"hang" (waits forever), "leak" (leaks a thread), "nan" (a NaN in the reply text is
fine, so a NaN in the state instead). The ``explode`` tool raises SystemExit.
"""

from __future__ import annotations

import asyncio

import verifiers as vf
from datasets import Dataset
from envbridge.bridges.verifiers import wrap

from tests.chaos.envs import leak_a_thread


def explode() -> str:
    """Raises SystemExit."""
    raise SystemExit("not authenticated in a tool: set $CHAOS_API_KEY")


def echo(text: str) -> str:
    """Echo the text."""
    return text


async def _exit_later() -> None:
    raise SystemExit("not authenticated in a spawned task: set $CHAOS_API_KEY")


class ChaosToolEnv(vf.ToolEnv):
    async def setup_state(self, state, **kwargs):
        if "exit in setup" in str(state.get("prompt")):
            raise SystemExit("not authenticated in reset: set $CHAOS_API_KEY")
        return await super().setup_state(state, **kwargs)

    async def env_response(self, messages, state, **kwargs):
        last = messages[-1]
        if getattr(last, "tool_calls", None):
            return await super().env_response(messages, state, **kwargs)
        words = str(last.content or "")
        if words == "exit":
            raise SystemExit("not authenticated in step: set $CHAOS_API_KEY")
        if words == "exit-nested":
            await asyncio.ensure_future(_exit_later())
        if words == "hang":
            await asyncio.Event().wait()
        if words == "leak":
            leak_a_thread()
        return [vf.UserMessage(content="go on")]

    @vf.stop
    async def no_tools_called(self, state) -> bool:
        return False  # plain words go to env_response too (that is where the chaos is)


def _env() -> vf.Environment:
    rows = [
        {"question": "Say anything.", "answer": "x"},
        {"question": "exit in setup", "answer": "x"},
        {"question": "Misbehave.", "answer": "x"},
    ]
    return ChaosToolEnv(
        tools=[explode, echo],
        dataset=Dataset.from_list(rows),
        rubric=vf.Rubric(funcs=[lambda completion: 1.0], weights=[1.0]),
        max_turns=1000,
    )


FACTORY = wrap(_env(), name="vf-chaos")
