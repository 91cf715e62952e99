"""A check cut short by its time budget (issue 20 corpus: OpenEnv's chess_env).

``robustness.malformed_burst`` (MUST) opens a session per malformed frame; on ``chess_env``,
whose opponent searches in every reset, it ran past the kit's 60 s per check on a loaded
machine and failed, although every reply came in time. Slowness is not a protocol
violation: a check that runs out of time while the server still answers is skipped as not
judged; one whose server stopped answering still fails.
"""

from __future__ import annotations

import asyncio

import httpx
from envbridge.conformance import Status, check
from envbridge.conformance.broken import healthy_app
from envbridge.conformance.broken.reference_env import SlowStartCounter
from envbridge.conformance.cli import main
from envbridge.conformance.probe import Options, Probe
from envbridge.conformance.runner import _cut_short

from tests.conformance.conftest import FAST
from tests.helpers import free_port, serving_app


class SlowerStartCounter(SlowStartCounter):
    """Its resets alone outlast the 1 s budget: the check's final reset takes 1.2 s (how
    many burst sessions reset first depends on timing: refused ones do not)."""

    reset_seconds = 1.2


def test_a_slow_environment_is_not_judged_when_a_check_runs_out_of_time():
    with serving_app(healthy_app(SlowerStartCounter, max_sessions=1)) as url:
        report = check(url, only=["robustness.malformed_burst"], check_timeout_s=1.0, **FAST)
    result = report.result("robustness.malformed_burst")
    assert result.status is Status.SKIP
    assert result.message.startswith("not judged: the check did not finish within 1 s")
    assert "--check-timeout" in result.message
    assert report.passed


def test_the_same_slow_environment_passes_with_time_enough():
    with serving_app(healthy_app(SlowStartCounter, max_sessions=1)) as url:
        report = check(url, only=["robustness.malformed_burst"], **FAST)
    assert report.result("robustness.malformed_burst").status is Status.PASS


async def _verdict(url: str) -> tuple[Status, str]:
    async with httpx.AsyncClient() as http:
        return await _cut_short(Probe(url, Options(check_timeout_s=2.0), http))


def test_a_check_cut_short_fails_when_the_server_stopped_answering():
    status, message = asyncio.run(_verdict(f"http://127.0.0.1:{free_port()}"))
    assert status is Status.FAIL
    assert message.startswith("the check did not finish within 2 s, and /health no longer")


def test_a_check_cut_short_is_skipped_while_the_server_answers(healthy_url):
    status, message = asyncio.run(_verdict(healthy_url))
    assert status is Status.SKIP and message.startswith("not judged")


def test_check_timeout_must_be_positive(healthy_url, capsys):
    for bad in ("0", "-1", "nan", "inf", "soon"):
        assert main([healthy_url, "--check-timeout", bad]) == 2
        assert "--check-timeout" in capsys.readouterr().err
