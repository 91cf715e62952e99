"""The game: tasks, the environment's replies, and the rewards."""

from __future__ import annotations

import re
from collections.abc import Iterable

import verifiers.v1 as vf

PROMPT = "Guess my number (1-10). Reply with just the number."
SECRETS = [7, 3, 10, 1, 5, 8]


def last_guess(text: str) -> int | None:
    numbers = re.findall(r"-?\d+", text or "")
    return int(numbers[-1]) if numbers else None


class GuessData(vf.TaskData):
    answer: str


class GuessTask(vf.Task[GuessData]):
    def _guesses(self, trace) -> list[int | None]:
        return [last_guess(m.content or "") for m in trace.assistant_messages]

    @vf.reward(weight=1.0)
    async def solved(self, trace) -> float:
        guesses = self._guesses(trace)
        return 1.0 if guesses and guesses[-1] == int(self.data.answer) else 0.0

    @vf.reward(weight=0.5)
    async def efficiency(self, trace) -> float:
        guesses = self._guesses(trace)
        solved = guesses and guesses[-1] == int(self.data.answer)
        return 1.0 / len(guesses) if solved else 0.0


class GuessTaskset(vf.Taskset[GuessTask]):
    def load(self) -> Iterable[GuessTask]:
        for secret in SECRETS:
            yield GuessTask(GuessData(prompt=PROMPT, answer=str(secret)))


class GuessEnvConfig(vf.EnvConfig):
    player: vf.AgentConfig = vf.AgentConfig(
        harness={"id": "null"}, runtime={"type": "subprocess"}, max_turns=5
    )


class GuessEnv(vf.Env[GuessEnvConfig]):
    """Answers each guess with "higher" or "lower"; a correct guess ends the game."""

    async def run(self, task, agents) -> None:
        secret = int(task.data.answer)
        async with agents.player.interaction(task) as player:
            segment = await player.turn()
            while not segment.terminated:
                guess = last_guess(segment.last_reply)
                if guess == secret:
                    return
                if guess is None:
                    reply = "Reply with a number."
                else:
                    reply = "higher" if guess < secret else "lower"
                segment = await player.turn(reply)
