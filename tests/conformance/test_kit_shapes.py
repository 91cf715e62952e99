"""The kit's verdicts do not depend on the server's shape (issue 20).

A server that serves one session at a time (OpenEnv's default), an environment that
refuses most schema-valid actions, one that refuses every action and the README's untyped
Counter are healthy: no check may fail on them. The twins in ``TWINS`` carry one defect
behind such a shape, and each must fail exactly its target check.
"""

from __future__ import annotations

import pytest
from envbridge.conformance import Report, Status, check
from envbridge.conformance.broken import healthy_app
from envbridge.conformance.broken.family import HEALTHY_SHAPES, TWINS, BrokenServer

from tests.conformance.conftest import FAST
from tests.helpers import serving_app


@pytest.mark.parametrize("shape", list(HEALTHY_SHAPES))
def test_healthy_shapes_fail_no_check(shape):
    with serving_app(HEALTHY_SHAPES[shape]()) as url:
        report = check(url, **FAST)
    assert [(r.id, r.message) for r in report.failed()] == []
    assert report.passed


def _run(build) -> Report:
    with serving_app(build()) as url:
        return check(url, **FAST)


def test_one_session_server_is_checked_one_session_at_a_time():
    report = _run(HEALTHY_SHAPES["one-session"])
    isolation = report.result("isolation.sessions")
    assert isolation.status is Status.PASS
    assert isolation.details["sessions"].startswith("one at a time")
    burst = report.result("robustness.malformed_burst")
    assert burst.status is Status.PASS
    assert burst.details["refused"] == 0, "every malformed frame reached a session"
    assert burst.details["bystander"].startswith("not checked")


def test_picky_validator_is_judged_on_accepted_actions_only():
    report = _run(HEALTHY_SHAPES["picky-validator"])
    step = report.result("obs.step_schema")
    assert step.status is Status.PASS and step.details["observations_checked"] >= 1
    assert report.result("determinism.trajectory").status is Status.PASS


def test_no_accepted_action_skips_with_an_action_hint():
    report = _run(HEALTHY_SHAPES["refuses-every-action"])
    step = report.result("obs.step_schema")
    assert step.status is Status.SKIP
    assert "--action" in step.message
    assert "no move is legal" in step.message, "the environment's own refusal is quoted"


def test_fields_named_by_the_environment_are_tried():
    report = _run(HEALTHY_SHAPES["untyped-readme-counter"])
    assert report.result("ws.step").details["action"] == {"delta": 0}


def test_user_action_is_the_only_one_tried():
    with serving_app(healthy_app()) as url:
        report = check(url, only=["ws.step", "obs"], action={"delta": 3}, **FAST)
    assert report.result("ws.step").details["action"] == {"delta": 3}
    assert report.result("obs.step_schema").details["observations_checked"] == 1


@pytest.mark.parametrize("server", TWINS, ids=[f"{s.target}-{i}" for i, s in enumerate(TWINS)])
def test_twin_fails_exactly_its_target(server: BrokenServer):
    report = _run(server.build)
    assert [r.id for r in report.failed()] == [server.target], server.defect
    assert report.result(server.target).message


def test_close_is_charged_to_the_frame_that_caused_it():
    twin = next(s for s in TWINS if s.target == "robustness.structured_errors")
    result = _run(twin.build).result("robustness.structured_errors")
    assert result.sent == repr('"reset"'), "not the frame after it"
    assert "answered, then ends the session (closed 1000)" in result.message
