"""envbridge.validation: ``envbridge validate``, oracle and floor for every task.

Harbor tasks play their own solution as the oracle; verifiers rows play their reference
answer. Each bridge exposes the oracle hook (``bridges/harbor``: the solution folder;
``bridges/verifiers/oracle.py``); the conformance kit stays black-box and never uses it.
"""

from envbridge.validation.model import CannotValidate, TaskVerdict, ValidationRun
from envbridge.validation.reports import junit, report_v2, table

__all__ = ["CannotValidate", "TaskVerdict", "ValidationRun", "junit", "report_v2", "table"]
