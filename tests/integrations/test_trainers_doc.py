"""Every python snippet of docs/trainers.md runs as written (each in a fresh interpreter,
from the repository root). Snippets that say `# in .venv-vf1` run in that venv (the
test-vf1 half of `make test`), and are skipped here."""

from __future__ import annotations

import re
import subprocess
import sys

import pytest

from tests.helpers import ROOT

DOC = ROOT / "docs" / "trainers.md"
VF1_MARK = "# in .venv-vf1"


def snippets() -> list[str]:
    return re.findall(r"```python\n(.*?)```", DOC.read_text(), re.DOTALL)


def run_snippet(code: str, python: str = sys.executable) -> str:
    result = subprocess.run(
        [python, "-c", code], cwd=ROOT, capture_output=True, text=True, timeout=240
    )
    assert result.returncode == 0, result.stdout + result.stderr
    return result.stdout


def test_the_page_has_a_snippet_per_trainer():
    found = snippets()
    assert any("environment_factory(" in s for s in found)
    assert any("make_vec(" in s for s in found)
    assert any(VF1_MARK in s for s in found)


@pytest.mark.parametrize(
    "code", [s for s in snippets() if VF1_MARK not in s], ids=lambda s: s.split("\n")[2][:40]
)
def test_snippet_runs(code):
    out = run_snippet(code)
    assert out.strip(), "a snippet should show something"
