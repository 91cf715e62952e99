"""The v1 bridge tests run in their own virtualenv (verifiers>=0.4: `make test-vf1`).

Under the classic line (verifiers 0.3.x, the main virtualenv) this folder is not
collected: the two verifiers lines cannot share one environment.
"""

from __future__ import annotations

import os
import sys
from importlib.metadata import version

from tests.helpers import ROOT

V1_LINE = tuple(int(part) for part in version("verifiers").split(".")[:2]) >= (0, 4)

collect_ignore_glob = [] if V1_LINE else ["test_*.py"]

SAMPLES = [str(path) for path in sorted((ROOT / "envs" / "verifiers").glob("vf1_*"))]
if V1_LINE:
    for _path in SAMPLES:
        if _path not in sys.path:
            sys.path.insert(0, _path)
    # Tool servers run as `python -m vf1_calc.tools` subprocesses: they need the path too.
    os.environ["PYTHONPATH"] = os.pathsep.join(
        [*SAMPLES, *filter(None, [os.environ.get("PYTHONPATH")])]
    )
