"""vf-math: single-turn arithmetic with answer checking (classic verifiers API, offline).

The model answers inside ``<answer></answer>``; ``correct`` (weight 1.0) compares the
parsed answer with the row's answer, ``format_reward`` (weight 0.2) checks the tags.
Eight training rows; three eval rows (the Task API's ``test`` split).
"""

from __future__ import annotations

import verifiers as vf
from datasets import Dataset

SYSTEM_PROMPT = "Answer inside <answer></answer>."

PROBLEMS = [
    ("What is 2+3?", "5"),
    ("What is 7*6?", "42"),
    ("What is 12-5?", "7"),
    ("What is 81/9?", "9"),
    ("What is 15+27?", "42"),
    ("What is 9*9?", "81"),
    ("What is 100-58?", "42"),
    ("What is 3*(4+5)?", "27"),
]


EVAL_PROBLEMS = [
    ("What is 6*7?", "42"),
    ("What is 50-8?", "42"),
    ("What is 2**5?", "32"),
]


def build_dataset(num_examples: int = -1) -> Dataset:
    """The in-memory question/answer rows (the first ``num_examples`` when positive)."""
    rows = [{"question": question, "answer": answer} for question, answer in PROBLEMS]
    if num_examples > 0:
        rows = rows[:num_examples]
    return Dataset.from_list(rows)


def load_environment(num_examples: int = -1, **kwargs) -> vf.Environment:
    """A ``SingleTurnEnv`` over the arithmetic rows."""
    parser = vf.XMLParser(["answer"], answer_field="answer")

    def correct(completion, answer, parser) -> float:
        """1.0 when the parsed answer equals the expected one."""
        parsed = parser.parse_answer(completion)
        return 1.0 if parsed is not None and parsed.strip() == answer else 0.0

    rubric = vf.Rubric(parser=parser)
    rubric.add_reward_func(correct, weight=1.0)
    rubric.add_reward_func(parser.get_format_reward_func(), weight=0.2)
    return vf.SingleTurnEnv(
        dataset=build_dataset(num_examples),
        eval_dataset=Dataset.from_list([{"question": q, "answer": a} for q, a in EVAL_PROBLEMS]),
        system_prompt=SYSTEM_PROMPT,
        parser=parser,
        rubric=rubric,
        **kwargs,
    )
