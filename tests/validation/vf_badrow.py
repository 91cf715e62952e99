"""A classic verifiers env with one bad row: its answer carries a trailing space, so the
reference answer cannot score (the parser strips what the model writes). For the
validation tests only."""

from __future__ import annotations

import verifiers as vf
from datasets import Dataset

ROWS = [("What is 1+1?", "2"), ("What is 2+2?", "4 "), ("What is 3+3?", "6")]


def load_environment(**kwargs) -> vf.Environment:
    parser = vf.XMLParser(["answer"], answer_field="answer")

    def correct(completion, answer, parser) -> float:
        parsed = parser.parse_answer(completion)
        return 1.0 if parsed is not None and parsed.strip() == answer else 0.0

    rubric = vf.Rubric(parser=parser)
    rubric.add_reward_func(correct, weight=1.0)
    dataset = Dataset.from_list([{"question": q, "answer": a} for q, a in ROWS])
    return vf.SingleTurnEnv(dataset=dataset, parser=parser, rubric=rubric, **kwargs)
