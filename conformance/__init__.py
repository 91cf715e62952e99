"""envbridge.conformance: check any OpenEnv server at a URL against the wire protocol.

``check(url) -> Report`` (blocking) and ``check_async`` run the catalogue
(``catalogue()``; documented in docs/conformance.md); ``envbridge check URL`` is the CLI
(:mod:`envbridge.conformance.cli`) and ``pytest --envbridge-url URL`` the pytest plugin.
"""

from envbridge.conformance.model import CheckResult, CheckSpec, Level, Report, Status
from envbridge.conformance.probe import Options
from envbridge.conformance.registry import areas, catalogue
from envbridge.conformance.runner import (
    NotOpenEnv,
    ServerUnreachable,
    UsageError,
    check,
    check_async,
)

__all__ = [
    "CheckResult",
    "CheckSpec",
    "Level",
    "NotOpenEnv",
    "Options",
    "Report",
    "ServerUnreachable",
    "Status",
    "UsageError",
    "areas",
    "catalogue",
    "check",
    "check_async",
]
