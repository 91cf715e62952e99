"""The calculator MCP server (run per rollout as ``python -m vf1_calc.tools``)."""

from __future__ import annotations

import ast
import operator

import verifiers.v1 as vf

_OPERATORS = {
    ast.Add: operator.add,
    ast.Sub: operator.sub,
    ast.Mult: operator.mul,
    ast.Div: operator.truediv,
    ast.USub: operator.neg,
}


def evaluate(node: ast.AST) -> float | int:
    """Value of an arithmetic expression tree (+, -, *, /, parentheses)."""
    if isinstance(node, ast.Expression):
        return evaluate(node.body)
    if isinstance(node, ast.Constant) and type(node.value) in (int, float):
        return node.value
    if isinstance(node, ast.BinOp) and type(node.op) in _OPERATORS:
        return _OPERATORS[type(node.op)](evaluate(node.left), evaluate(node.right))
    if isinstance(node, ast.UnaryOp) and type(node.op) in _OPERATORS:
        return _OPERATORS[type(node.op)](evaluate(node.operand))
    raise ValueError(f"unsupported expression element: {type(node).__name__}")


class CalcToolset(vf.Toolset[vf.ToolsetConfig]):
    TOOL_PREFIX = "calc"

    @vf.tool
    async def calculate(self, expression: str) -> str:
        """Evaluate an arithmetic expression (+, -, *, /, parentheses)."""
        value = evaluate(ast.parse(expression, mode="eval"))
        if isinstance(value, float) and value.is_integer():
            value = int(value)
        return str(value)


if __name__ == "__main__":
    CalcToolset.run()
