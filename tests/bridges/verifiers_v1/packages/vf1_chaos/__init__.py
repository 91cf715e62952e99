"""vf1-chaos: a one-seat v1 Env that misbehaves on command (tests only).

Task 1 raises SystemExit before the first turn (the reset case). Otherwise the
player's words choose: "exit" (SystemExit in ``run``), "exit-nested" (SystemExit in a
task the env spawns, escaping the shared rollout loop), "hang" (waits forever), "leak"
(leaks a non-daemon thread named ``chaos-leak``); anything else gets "go on".
"""

import asyncio
import threading
from collections.abc import Iterable

import verifiers.v1 as vf


class ChaosData(vf.TaskData):
    answer: str


class ChaosTask(vf.Task[ChaosData]):
    @vf.reward(weight=1.0)
    async def played(self, trace) -> float:
        return 1.0


class ChaosTaskset(vf.Taskset[ChaosTask]):
    def load(self) -> Iterable[ChaosTask]:
        for prompt in ("Say anything.", "exit in reset", "Misbehave."):
            yield ChaosTask(ChaosData(prompt=prompt, answer="x"))


class ChaosEnvConfig(vf.EnvConfig):
    player: vf.AgentConfig = vf.AgentConfig(
        harness={"id": "null"}, runtime={"type": "subprocess"}, max_turns=1000
    )


async def _exit_later() -> None:
    raise SystemExit("not authenticated in a spawned task: set $CHAOS_API_KEY")


class ChaosEnv(vf.Env[ChaosEnvConfig]):
    async def run(self, task, agents) -> None:
        if task.data.prompt == "exit in reset":
            raise SystemExit("not authenticated in reset: set $CHAOS_API_KEY")
        async with agents.player.interaction(task) as player:
            segment = await player.turn()
            while not segment.terminated:
                words = (segment.last_reply or "").strip()
                if words == "exit":
                    raise SystemExit("not authenticated in step: set $CHAOS_API_KEY")
                if words == "exit-nested":
                    await asyncio.ensure_future(_exit_later())
                if words == "hang":
                    await asyncio.Event().wait()
                if words == "leak":
                    threading.Thread(target=threading.Event().wait, name="chaos-leak").start()
                segment = await player.turn("go on")


__all__ = ["ChaosEnv", "ChaosTaskset"]
