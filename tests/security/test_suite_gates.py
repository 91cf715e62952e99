"""The suite's own guards: tests are skipped on a real ``docker`` marker only (not because
a path contains "docker"), and under ``CI=true`` a Docker test whose engine is unreachable
fails instead of skipping, so a green CI run means the isolation tests ran."""

from __future__ import annotations

import os
import subprocess
import sys

from tests.helpers import ROOT

UNREACHABLE = "tcp://127.0.0.1:9"


def run_pytest(*args: str, ci: bool) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "DOCKER_HOST": UNREACHABLE}
    env.pop("CI", None)
    if ci:
        env["CI"] = "true"
    return subprocess.run(
        [sys.executable, "-m", "pytest", "-q", "-rs", "-p", "no:randomly", *args],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=240,
    )


def test_engine_free_docker_unit_tests_run_without_an_engine():
    result = run_pytest(
        "tests/docker/test_target_plan.py", "tests/bridges/harbor/test_rewards.py", ci=False
    )
    assert result.returncode == 0, result.stdout[-2000:]
    assert "skipped" not in result.stdout.splitlines()[-1], result.stdout[-2000:]


def test_under_ci_an_unreachable_engine_fails_docker_tests():
    test = "tests/security/test_task_container_limits.py"  # one test, marked docker
    quiet = run_pytest(test, ci=False)
    assert quiet.returncode == 0 and "1 skipped" in quiet.stdout, quiet.stdout[-2000:]
    strict = run_pytest(test, ci=True)
    assert strict.returncode == 1, strict.stdout[-2000:]
    assert "CI=true" in strict.stdout and "1 error" in strict.stdout.splitlines()[-1]
