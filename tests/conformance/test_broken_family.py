"""Every check can fail: each broken server fails exactly its target check, nothing else."""

from __future__ import annotations

import contextlib

import pytest
from envbridge.conformance import Level, Report, Status, catalogue, check
from envbridge.conformance.broken import FAMILY, BrokenServer

from tests.conformance.conftest import FAST
from tests.helpers import serving_app


def _run(server: BrokenServer) -> Report:
    with contextlib.ExitStack() as stack:
        url = stack.enter_context(serving_app(server.build()))
        options = {**FAST, **server.options}
        if server.production_twin is not None:
            options["production_url"] = stack.enter_context(serving_app(server.production_twin()))
        return check(url, **options)


def test_every_judged_check_has_exactly_one_broken_twin():
    judged = sorted(spec.id for spec in catalogue() if spec.level is not Level.INFO)
    assert sorted(server.target for server in FAMILY) == judged


def test_only_informational_checks_lack_a_twin():
    twins = {server.target for server in FAMILY}
    untwinned = [spec for spec in catalogue() if spec.id not in twins]
    assert untwinned and all(spec.level is Level.INFO for spec in untwinned)


@pytest.mark.parametrize("server", FAMILY, ids=[server.target for server in FAMILY])
def test_broken_server_fails_exactly_its_target(server: BrokenServer):
    report = _run(server)
    failed = [result.id for result in report.failed()]
    assert failed == [server.target], f"{server.defect}: failed {failed}"
    result = report.result(server.target)
    assert result.message, "a failure must say what went wrong"
    assert result.upstream is None, "an envbridge server's failure is never OpenEnv's"
    assert result.sent is not None or result.received is not None
    assert report.passed is (result.level is not Level.MUST)
    ran = {r.id for r in report.results if r.status is not Status.SKIP}
    assert server.target in ran
