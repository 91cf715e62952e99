"""The chaos suite runs under both verifiers lines: ``test_verifiers_v1.py`` in the v1
virtualenv (``make test-vf1``), everything else in the main one."""

from __future__ import annotations

from importlib.metadata import version
from pathlib import Path

V1_LINE = tuple(int(part) for part in version("verifiers").split(".")[:2]) >= (0, 4)

collect_ignore = [
    path.name
    for path in Path(__file__).parent.glob("test_*.py")
    if (path.name == "test_verifiers_v1.py") != V1_LINE
]
