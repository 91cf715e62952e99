"""pytest plugin: ``pytest --envbridge-url URL`` runs the catalogue as test items.

Registered through the ``pytest11`` entry point. Without ``--envbridge-url`` it only adds
its options and changes nothing else. With it, every selected check becomes one item:
a failed MUST check fails, a failed SHOULD/MAY check is an expected failure (xfail), a
skipped check is skipped, INFO checks pass and attach their numbers as user properties.
"""

from __future__ import annotations

from typing import Any

import pytest

_REPORT_KEY = pytest.StashKey[Any]()


def pytest_addoption(parser: pytest.Parser) -> None:
    group = parser.getgroup("envbridge", "envbridge conformance kit")
    group.addoption(
        "--envbridge-url",
        metavar="URL",
        default=None,
        help="check the OpenEnv server at URL with the conformance kit",
    )
    group.addoption(
        "--envbridge-quick",
        action="store_true",
        default=False,
        help="run the quick subset of the conformance checks",
    )
    group.addoption(
        "--envbridge-mode",
        choices=["simulation", "production"],
        default=None,
        help="the mode the server should be in (default: detect)",
    )
    group.addoption(
        "--envbridge-only",
        action="append",
        default=None,
        metavar="AREA",
        help="run only this area or check id (repeatable)",
    )
    group.addoption(
        "--envbridge-production-url",
        metavar="URL",
        default=None,
        help="the production twin of the server (enables modes.parity)",
    )


def pytest_collection_modifyitems(
    session: pytest.Session, config: pytest.Config, items: list[pytest.Item]
) -> None:
    url = config.getoption("envbridge_url")
    if not url:
        return
    from envbridge.conformance.runner import UsageError, select

    try:
        specs = select(config.getoption("envbridge_only"), config.getoption("envbridge_quick"))
    except UsageError as exc:
        raise pytest.UsageError(str(exc)) from None
    items.extend(
        ConformanceItem.from_parent(
            session, name=spec.id, nodeid=f"envbridge-conformance::{spec.id}", check_id=spec.id
        )
        for spec in specs
    )


class ConformanceFailure(Exception):
    """A MUST check failed (carries its CheckResult)."""


class ConformanceItem(pytest.Item):
    """One check of the catalogue, judged from the run shared by all items."""

    def __init__(self, *, check_id: str, **kwargs: Any):
        super().__init__(**kwargs)
        self.check_id = check_id

    def runtest(self) -> None:
        from envbridge.conformance.model import Level, Status

        report = _report(self.config)
        result = report.result(self.check_id)
        self.user_properties.append(("level", result.level.value))
        if result.details:
            self.user_properties.append(("details", result.details))
        if result.status is Status.SKIP:
            pytest.skip(result.message)
        if result.status is Status.FAIL:
            if result.level is Level.MUST:
                raise ConformanceFailure(result)
            pytest.xfail(f"{result.level.value} check failed: {result.message}")

    def repr_failure(self, excinfo: pytest.ExceptionInfo[BaseException], style: Any = None) -> str:
        if isinstance(excinfo.value, ConformanceFailure):
            result = excinfo.value.args[0]
            return (
                f"{result.level.value} {result.id} failed: {result.message}\n"
                f"  sent:     {result.sent!r}\n  received: {result.received!r}"
            )
        return str(super().repr_failure(excinfo, style))

    def reportinfo(self) -> tuple[str, int | None, str]:
        return "envbridge-conformance", None, self.name


def _report(config: pytest.Config) -> Any:
    """The report of one run over every selected check (made on first use)."""
    if _REPORT_KEY not in config.stash:
        from envbridge.conformance.runner import ServerUnreachable, check

        try:
            config.stash[_REPORT_KEY] = check(
                config.getoption("envbridge_url"),
                only=config.getoption("envbridge_only"),
                quick=config.getoption("envbridge_quick"),
                mode=config.getoption("envbridge_mode"),
                production_url=config.getoption("envbridge_production_url"),
            )
        except ServerUnreachable as exc:
            config.stash[_REPORT_KEY] = exc
    report = config.stash[_REPORT_KEY]
    if isinstance(report, Exception):
        pytest.fail(str(report), pytrace=False)
    return report
