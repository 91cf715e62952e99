"""The calculator tasks and their reward."""

from __future__ import annotations

import re
from collections.abc import Iterable

import verifiers.v1 as vf

from vf1_calc.tools import CalcToolset

PROBLEMS = [
    ("Use the calculator: what is 17 + 25?", "42"),
    ("Use the calculator: what is 123 * 4?", "492"),
    ("Use the calculator: what is (18 - 3) * 7?", "105"),
]


class CalcData(vf.TaskData):
    answer: str


class CalcTask(vf.Task[CalcData]):
    @classmethod
    def toolsets(cls, config) -> list[vf.Toolset]:
        return [CalcToolset(vf.ToolsetConfig())]

    @vf.reward(weight=1.0)
    async def correct(self, trace) -> float:
        return 1.0 if self.data.answer in re.findall(r"-?\d+", trace.last_reply) else 0.0


class CalcTaskset(vf.Taskset[CalcTask]):
    def load(self) -> Iterable[CalcTask]:
        for question, answer in PROBLEMS:
            yield CalcTask(CalcData(prompt=question, answer=answer))
