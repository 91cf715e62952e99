"""The v1 bridge tests run in their own virtualenv (verifiers>=0.4: `make test-vf1`).

Under the classic line (verifiers 0.3.x, the main virtualenv) this folder is not
collected: the two verifiers lines cannot share one environment.
"""

from __future__ import annotations

import sys
from importlib.metadata import version

from tests.helpers import ROOT

V1_LINE = int(version("verifiers").split(".")[1]) >= 4 or int(version("verifiers")[0]) >= 1

collect_ignore_glob = [] if V1_LINE else ["test_*.py"]

SAMPLE = ROOT / "envs" / "verifiers" / "vf1_math"
if str(SAMPLE) not in sys.path:
    sys.path.insert(0, str(SAMPLE))
