"""The tasks, their data and their rewards."""

from __future__ import annotations

import re
from collections.abc import Iterable

import verifiers.v1 as vf

SYSTEM_PROMPT = "Answer inside <answer></answer>."
PROBLEMS = [
    ("What is 2+3?", "5"),
    ("What is 7*6?", "42"),
    ("What is 12-5?", "7"),
    ("What is 81/9?", "9"),
]


class MathData(vf.TaskData):
    answer: str


def _answer(text: str) -> str | None:
    found = re.findall(r"<answer>(.*?)</answer>", text or "", flags=re.DOTALL)
    return found[-1].strip() if found else None


class MathTask(vf.Task[MathData]):
    @vf.reward(weight=1.0)
    async def correct(self, trace) -> float:
        return 1.0 if _answer(trace.last_reply) == self.data.answer else 0.0

    @vf.reward(weight=0.2)
    async def formatted(self, trace) -> float:
        return 1.0 if _answer(trace.last_reply) is not None else 0.0


class MathTaskset(vf.Taskset[MathTask]):
    def load(self) -> Iterable[MathTask]:
        for question, answer in PROBLEMS:
            yield MathTask(MathData(prompt=question, system_prompt=SYSTEM_PROMPT, answer=answer))
