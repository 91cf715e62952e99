"""vf-calc: a tool environment with a calculator tool (classic verifiers ``ToolEnv``, offline).

The model may call ``calculate(expression)`` any number of times (up to ``max_turns``
turns) and ends by replying without a tool call; ``correct`` (weight 1.0) checks that the
final reply contains the answer.
"""

from __future__ import annotations

import ast
import operator
import re

import verifiers as vf
from datasets import Dataset

PROBLEMS = [
    ("Use the calculator: what is 17 + 25?", "42"),
    ("Use the calculator: what is 123 * 4?", "492"),
    ("Use the calculator: what is (18 - 3) * 7?", "105"),
    ("Use the calculator: what is 2 ** 10?", "1024"),
    ("Use the calculator: what is 1000 / 8?", "125"),
]

_OPERATORS = {
    ast.Add: operator.add,
    ast.Sub: operator.sub,
    ast.Mult: operator.mul,
    ast.Div: operator.truediv,
    ast.Pow: operator.pow,
    ast.USub: operator.neg,
    ast.UAdd: operator.pos,
}


def _evaluate(node: ast.AST) -> float | int:
    if isinstance(node, ast.Expression):
        return _evaluate(node.body)
    if isinstance(node, ast.Constant) and type(node.value) in (int, float):
        return node.value
    if isinstance(node, ast.BinOp) and type(node.op) in _OPERATORS:
        left, right = _evaluate(node.left), _evaluate(node.right)
        if isinstance(node.op, ast.Pow) and abs(right) > 64:
            raise ValueError("exponent too large (at most 64)")
        return _OPERATORS[type(node.op)](left, right)
    if isinstance(node, ast.UnaryOp) and type(node.op) in _OPERATORS:
        return _OPERATORS[type(node.op)](_evaluate(node.operand))
    raise ValueError(f"unsupported expression element: {type(node).__name__}")


def calculate(expression: str) -> str:
    """Evaluate an arithmetic expression (+, -, *, /, **, parentheses).

    Args:
        expression: The arithmetic expression, for example "(18 - 3) * 7".

    Returns:
        The value, as text.
    """
    if not isinstance(expression, str):
        raise TypeError("expression must be a string")
    value = _evaluate(ast.parse(expression, mode="eval"))
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    return str(value)


def correct(completion, answer) -> float:
    """1.0 when the final assistant message contains the expected number."""
    final = str(completion[-1].content or "") if completion else ""
    return 1.0 if answer in re.findall(r"-?\d+", final) else 0.0


def load_environment(max_turns: int = 6, **kwargs) -> vf.Environment:
    """A ``ToolEnv`` with the ``calculate`` tool."""
    dataset = Dataset.from_list([{"question": q, "answer": a} for q, a in PROBLEMS])
    rubric = vf.Rubric(funcs=[correct], weights=[1.0])
    return vf.ToolEnv(
        dataset=dataset, tools=[calculate], rubric=rubric, max_turns=max_turns, **kwargs
    )
