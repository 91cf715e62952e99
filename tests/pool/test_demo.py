"""`make demo`'s quick form end to end: it runs, reports, and leaves nothing running."""

from __future__ import annotations

import os
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
    assert "every server the demo started is stopped" in out
    assert settle(lambda: not _processes_with(marker)), _processes_with(marker)
