"""The server raises its own open-files limit for --max-sessions, and says so when it can't."""

from __future__ import annotations

import resource
import subprocess
import sys

import pytest

_PROBE = """
import logging, resource, sys
logging.basicConfig(level=logging.WARNING, format="%(message)s")
from envbridge.spec.server.fd_limit import raise_fd_limit
print(raise_fd_limit(int(sys.argv[1])), resource.getrlimit(resource.RLIMIT_NOFILE)[0])
"""


def _run(max_sessions: int, soft: int, hard: int) -> subprocess.CompletedProcess[str]:
    def limit() -> None:
        resource.setrlimit(resource.RLIMIT_NOFILE, (soft, hard))

    return subprocess.run(
        [sys.executable, "-c", _PROBE, str(max_sessions)],
        preexec_fn=limit,
        capture_output=True,
        text=True,
        timeout=60,
    )


def _hard() -> int:
    hard = resource.getrlimit(resource.RLIMIT_NOFILE)[1]
    if hard != resource.RLIM_INFINITY and hard < 4096:
        pytest.skip(f"this machine's hard open-files limit is only {hard}")
    return 4096


def test_the_soft_limit_rises_to_what_the_sessions_need():
    hard = _hard()
    result = _run(1000, 1024, hard)
    assert result.returncode == 0, result.stderr
    assert result.stdout.split() == ["2256", "2256"]  # 1000 * 2 + 256
    assert result.stderr == ""


def test_a_refusing_hard_limit_gets_a_clear_message_and_the_server_still_starts():
    hard = _hard()
    result = _run(16384, 1024, hard)
    assert result.returncode == 0, result.stderr
    assert result.stdout.split() == [str(hard), str(hard)]
    assert "--max-sessions 16384 needs about 33024 open files" in result.stderr
    assert f"about {(hard - 256) // 2} sessions fit" in result.stderr
    assert "ulimit -Hn" in result.stderr


def test_a_limit_already_high_enough_is_left_alone():
    hard = _hard()
    result = _run(10, 2048, hard)
    assert result.stdout.split() == ["2048", "2048"]
