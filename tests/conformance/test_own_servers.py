"""envbridge's own servers pass every MUST and SHOULD check, in both modes."""

from __future__ import annotations

import pytest
from envbridge.conformance import Level, Status, check

from envs.native.counter import CounterEnv
from tests.conformance.conftest import FAST
from tests.helpers import serving


def _not_passed(report) -> list[tuple[str, str]]:
    return [(r.id, r.message) for r in report.failed() if r.level in (Level.MUST, Level.SHOULD)]


def test_reference_counter_passes_everything_in_simulation(healthy_url):
    report = check(healthy_url, **FAST)
    assert _not_passed(report) == []
    assert report.mode == "simulation" and report.dialect == "openenv-0.10.x"
    skipped = {r.id for r in report.results if r.status is Status.SKIP}
    no_tasks = {  # the reference counter lists no tasks: only tasks.unsupported applies
        "tasks.splits",
        "tasks.lookup",
        "tasks.range_slice",
        "tasks.errors",
        "tasks.reset_selection",
        "tasks.reset_reproducible",
    }
    assert skipped == {"modes.production_http", "modes.production_ws", "modes.parity", *no_tasks}


def test_reference_counter_passes_everything_in_production(healthy_production_url):
    report = check(healthy_production_url, **FAST)
    assert report.mode == "production"
    assert _not_passed(report) == []
    assert report.result("modes.production_http").status is Status.PASS
    assert report.result("modes.production_ws").status is Status.PASS


def test_simulation_and_production_agree(healthy_url, healthy_production_url):
    report = check(healthy_url, only=["modes"], production_url=healthy_production_url)
    assert report.result("modes.parity").status is Status.PASS


@pytest.mark.parametrize("mode", ["simulation", "production"])
def test_sample_counter_env_passes_every_must_and_should(mode):
    with serving(CounterEnv, mode=mode, max_sessions=4) as url:
        report = check(url, **FAST)
    assert _not_passed(report) == []
    assert report.result("capacity.over_limit").details["session_limit"] == 4
