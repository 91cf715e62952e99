"""The verifiers bridge's oracle hook: a task's reference answer as the policy.

``envbridge validate`` plays each task twice through a real session: the oracle sends
the row's reference answer (formatted the way the env's parser reads answers) every turn
until the episode ends, the floor sends empty replies. The env's own rubric scores both;
the oracle must reach the rubric's maximum (the sum of its positive weights, reward
functions being in [0, 1]) and the floor must stay below the oracle.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

EMPTY_REPLY = {"role": "assistant", "content": ""}
DEFAULT_TURNS = 10
"""Turns to try when the env declares no max_turns."""


class NoOracle(Exception):
    """The task has no reference answer (or the env is not a classic verifiers env)."""


@dataclass(frozen=True, slots=True)
class OraclePlan:
    """The replies of the oracle and floor episodes, and the reward the oracle must reach."""

    oracle: list[dict[str, Any]]
    floor: list[dict[str, Any]]
    max_reward: float


def _weights(rubric: Any) -> list[float]:
    """Every reward weight of a rubric, including those of a group's member rubrics."""
    found = [float(w) for w in getattr(rubric, "weights", None) or []]
    for member in getattr(rubric, "rubrics", None) or []:
        found += _weights(member)
    return found


def max_reward(vf_env: Any) -> float:
    """The rubric's best score: the sum of its positive weights."""
    positive = [w for w in _weights(getattr(vf_env, "rubric", None)) if w > 0]
    if not positive:
        raise NoOracle("the env's rubric has no positive weights, so its maximum is unknown")
    return sum(positive)


def format_answer(vf_env: Any, answer: str) -> str:
    """``answer`` as the env's parser expects it (e.g. ``<answer>42</answer>``)."""
    parser = getattr(vf_env, "parser", None)
    field = getattr(parser, "answer_field", None)
    fields = parser.get_fields() if hasattr(parser, "get_fields") else []
    if field and field in fields and hasattr(parser, "format"):
        return str(parser.format(**{field: answer}))
    return answer


def oracle_plan(env: Any, split: str, index: int) -> OraclePlan:
    """The oracle and floor of task ``split[index]`` of a bridged classic env."""
    vf_env = getattr(env, "vf_env", None)
    if vf_env is None:
        raise NoOracle("only classic verifiers environments carry reference answers")
    row = env._task_splits()[split]()[index]
    answer = row.get("answer") if hasattr(row, "get") else None
    if answer is None or (isinstance(answer, str) and not answer.strip()):
        raise NoOracle("the row has no reference answer")
    turns = getattr(vf_env, "max_turns", -1)
    turns = turns if isinstance(turns, int) and turns > 0 else DEFAULT_TURNS
    reply = {"role": "assistant", "content": format_answer(vf_env, str(answer))}
    return OraclePlan([reply] * turns, [EMPTY_REPLY] * turns, max_reward(vf_env))
