"""Wait for ``[environment.healthcheck]`` before an episode starts (harbor's semantics).

Like Docker's HEALTHCHECK: during ``start_period_sec`` failures do not count and checks
repeat every ``start_interval_sec``; afterwards checks repeat every ``interval_sec`` and
``retries`` consecutive failures fail the start. One success is enough. The command runs
as the image's user in the workdir, bounded by ``timeout_sec``.
"""

from __future__ import annotations

import time
from collections.abc import Callable

from envbridge.bridges.harbor.backends.base import ExecResult, Sandbox, SandboxError
from envbridge.bridges.harbor.config import HealthcheckConfig


def wait_healthy(
    sandbox: Sandbox,
    check: HealthcheckConfig,
    *,
    clock: Callable[[], float] = time.monotonic,
    sleep: Callable[[float], None] = time.sleep,
) -> int:
    """Run ``check`` until it passes; return the attempts it took, or raise SandboxError."""
    start_period_ends = clock() + check.start_period_sec
    failures = attempts = 0
    while True:
        in_start_period = clock() < start_period_ends
        attempts += 1
        result = sandbox.exec(check.command, timeout_s=check.timeout_sec, output_limit=4096)
        if result.exit_code == 0:
            return attempts
        if in_start_period:
            sleep(check.start_interval_sec)
            continue
        failures += 1
        if failures >= max(check.retries, 1):
            raise SandboxError(_failed(check, failures, result))
        sleep(check.interval_sec)


def _failed(check: HealthcheckConfig, failures: int, result: ExecResult) -> str:
    why = "timed out" if result.timed_out else f"exit {result.exit_code}"
    output = (result.stderr or result.stdout).strip()[-300:]
    return (
        f"healthcheck {check.command!r} failed {failures} times in a row ({why}) after the "
        f"{check.start_period_sec:g} s start period: {output or 'no output'}"
    )
