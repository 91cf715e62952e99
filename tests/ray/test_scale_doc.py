"""docs/scale.md's example runs as written (a local Ray started and shut down by the pool)."""

from __future__ import annotations

import os
import re
import subprocess
import sys
import tempfile

from tests.helpers import ROOT
from tests.pool.leaks import settle
from tests.ray.conftest import ray_processes

DOC = ROOT / "docs" / "scale.md"


def test_the_scale_example_runs_as_written_from_any_directory():
    blocks = re.findall(r"```python\n(.*?)```", DOC.read_text(), re.S)
    assert len(blocks) == 1
    with tempfile.TemporaryDirectory() as elsewhere:
        run = subprocess.run(
            [sys.executable, "-c", blocks[0]],
            cwd=elsewhere, capture_output=True, text=True, timeout=240,
            env={**os.environ, "RAY_ENABLE_WINDOWS_OR_OSX_CLUSTER": "0"},
        )  # fmt: skip
    assert run.returncode == 0, run.stderr[-3000:]
    assert "64 of 64 sessions stepped" in run.stdout
    assert "4 servers on 1 node(s)" in run.stdout
    assert settle(lambda: not ray_processes(), 30), ray_processes()
