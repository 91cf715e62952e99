"""reset waits for ``[environment.healthcheck]`` with harbor's (Docker's) semantics.

Real local sandboxes; the check counts its own attempts in a file of the sandbox.
"""

from __future__ import annotations

import pytest
from envbridge.bridges.harbor.backends import SandboxError, SandboxSpec
from envbridge.bridges.harbor.backends.local import LocalSandbox
from envbridge.bridges.harbor.config import HealthcheckConfig
from envbridge.bridges.harbor.healthcheck import wait_healthy

# Passes on attempt N (N from the file /app/pass_on), counting attempts in /app/attempts.
COUNTING = "n=$(( $(cat /app/attempts 2>/dev/null || echo 0) + 1 )); echo $n > /app/attempts; "
COUNTING += 'echo "attempt $n" >&2; [ "$n" -ge "$(cat /app/pass_on)" ]'


@pytest.fixture
def sandbox(tmp_path, bwrap_required):
    (tmp_path / "Dockerfile").write_text("FROM debian:bookworm-slim\nWORKDIR /app\n")
    box = LocalSandbox(SandboxSpec(environment_dir=tmp_path, workdir=None))
    box.start()
    yield box
    box.stop()


def passes_on(box, attempt: int) -> None:
    box.exec(f"echo {attempt} > /app/pass_on")


def check(**fields) -> HealthcheckConfig:
    return HealthcheckConfig(command=COUNTING, **{"interval_sec": 0.01, **fields})


def test_consecutive_failures_up_to_retries_are_waited_for(sandbox):
    passes_on(sandbox, 3)
    assert wait_healthy(sandbox, check(retries=3)) == 3


def test_retries_consecutive_failures_fail_the_start_with_the_output(sandbox):
    passes_on(sandbox, 3)
    with pytest.raises(SandboxError, match=r"failed 2 times in a row \(exit 1\).*attempt 2"):
        wait_healthy(sandbox, check(retries=2))


def test_failures_in_the_start_period_do_not_count(sandbox):
    passes_on(sandbox, 4)
    healthy = check(retries=1, start_period_sec=30, start_interval_sec=0.01)
    assert wait_healthy(sandbox, healthy) == 4


def test_the_check_is_killed_at_its_timeout(sandbox):
    slow = HealthcheckConfig(command="sleep 30", timeout_sec=0.3, retries=1)
    with pytest.raises(SandboxError, match="timed out"):
        wait_healthy(sandbox, slow)
