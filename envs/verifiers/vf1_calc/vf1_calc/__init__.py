"""vf1-calc: a calculator tool task as a verifiers v1 taskset (offline, in memory).

The tool is a ``vf.Toolset`` MCP server (``calc_calculate``) launched per rollout; the
model ends by replying without a tool call, and ``correct`` (weight 1.0) checks that
the reply contains the answer.
"""

from vf1_calc.taskset import CalcTaskset

__all__ = ["CalcTaskset"]
