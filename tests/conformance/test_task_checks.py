"""The Task API checks pass on healthy servers with tasks, envbridge's and OpenEnv's."""

from __future__ import annotations

import pytest
from envbridge.conformance import Level, Status, check
from envbridge.conformance.broken.task_twins import ReferenceTaskCounter

from envs.native.quiz import QuizEnv
from tests.conformance.conftest import FAST
from tests.helpers import ROOT, serving, serving_process, uvicorn_app

TASK_CHECKS = {
    "tasks.list_environments",
    "tasks.splits",
    "tasks.lookup",
    "tasks.range_slice",
    "tasks.errors",
    "tasks.reset_selection",
    "tasks.reset_reproducible",
}


@pytest.mark.parametrize("factory", [ReferenceTaskCounter, QuizEnv])
def test_servers_with_tasks_pass_every_check(factory):
    with serving(factory, max_sessions=4) as url:
        report = check(url, **FAST)
    failed = [(r.id, r.message) for r in report.failed() if r.level is not Level.INFO]
    assert failed == []
    passed = {r.id for r in report.results if r.status is Status.PASS}
    assert passed >= TASK_CHECKS
    assert report.result("tasks.unsupported").status is Status.SKIP


def test_production_mode_skips_only_the_reset_checks():
    with serving(QuizEnv, mode="production") as url:
        report = check(url, only=["tasks"])
    status = {r.id: r.status for r in report.results}
    assert status["tasks.lookup"] is Status.PASS and status["tasks.errors"] is Status.PASS
    assert status["tasks.reset_selection"] is Status.SKIP


def test_the_official_openenv_quiz_passes_the_listing_checks():
    with serving_process(
        uvicorn_app("envs.openenv_native.quiz_app:app"),
        env={"ENABLE_WEB_INTERFACE": "false"},
        cwd=str(ROOT),
    ) as url:
        report = check(url, only=["tasks"])
    status = {r.id: r.status for r in report.results}
    for check_id in ("tasks.splits", "tasks.lookup", "tasks.range_slice", "tasks.errors"):
        assert status[check_id] is Status.PASS, report.result(check_id).message
    # OpenEnv passes a bad index straight to the env: an IndexError, not VALIDATION_ERROR.
    assert status["tasks.reset_selection"] is Status.FAIL
