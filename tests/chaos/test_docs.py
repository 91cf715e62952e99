"""The examples of docs/robustness.md run as written."""

from __future__ import annotations

import re
import subprocess
import sys

from tests.helpers import ROOT


def test_the_cleanup_example_runs() -> None:
    text = (ROOT / "docs" / "robustness.md").read_text()
    blocks = re.findall(r"```python\n(.*?)```", text, flags=re.S)
    assert blocks, "the page has no python example"
    for block in blocks:
        done = subprocess.run(
            [sys.executable, "-c", block], capture_output=True, text=True, cwd=ROOT, timeout=60
        )
        assert done.returncode == 0, done.stderr
