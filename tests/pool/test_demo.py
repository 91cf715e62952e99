"""`make demo`'s quick form end to end: it runs, reports, and leaves nothing running."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import uuid
from pathlib import Path

from tests.helpers import ROOT
from tests.pool.leaks import settle


def _processes_with(marker: str) -> list[int]:
    """Processes whose environment carries ``marker`` (the demo's servers inherit it)."""
    found = []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            if marker.encode() in (entry / "environ").read_bytes():
                found.append(int(entry.name))
        except OSError:
            continue
    return found


def test_quick_demo_runs_end_to_end_and_leaves_nothing_running():
    marker = f"ENVBRIDGE_DEMO_TEST={uuid.uuid4().hex}"
    key, value = marker.split("=")
    result = subprocess.run(
        [sys.executable, "-m", "envbridge.demo", "--quick"],
        cwd=ROOT,
        env={**os.environ, key: value},
        capture_output=True,
        text=True,
        timeout=240,
    )
    out = result.stdout
    assert result.returncode == 0, out + result.stderr
    for stage in ("[1/4] environments", "[2/4] starting", "[3/4] conformance", "[4/4] training"):
        assert stage in out
    assert "openenv    ok:" in out  # the official-OpenEnv piece always runs here
    assert "environment  policy" in out and "mean reward" in out and "steps/s" in out
    assert "where these numbers came from:" in out
    assert "batch frames, one per step()" in out and "vector stage failed" not in out
    assert "CartPole return, first" in out  # the vector stage's learning curve
    assert "every server the demo started is stopped" in out
    assert settle(lambda: not _processes_with(marker)), _processes_with(marker)


def test_a_terminated_demo_stops_its_servers_too():
    marker = f"ENVBRIDGE_DEMO_TEST={uuid.uuid4().hex}"
    key, value = marker.split("=")
    demo = subprocess.Popen(
        [sys.executable, "-m", "envbridge.demo", "--quick", "--seconds", "120"],
        cwd=ROOT,
        env={**os.environ, key: value, "PYTHONUNBUFFERED": "1"},
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    try:
        seen = []
        for line in demo.stdout:
            seen.append(line)
            if "[4/4] training" in line:  # servers up, sessions open, training under way
                break
        assert set(_processes_with(marker)) - {demo.pid}, "no servers? " + "".join(seen)
        demo.send_signal(signal.SIGTERM)
        assert demo.wait(timeout=60) == 130
        assert "interrupted; every server the demo started has been stopped" in demo.stdout.read()
    finally:
        if demo.poll() is None:
            demo.kill()
            demo.wait()
        demo.stdout.close()
    assert settle(lambda: not _processes_with(marker)), _processes_with(marker)
