"""Suite-wide fixtures: the repo root on sys.path (for envs/), leak accounting, the browser."""

from __future__ import annotations

import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))


import os  # noqa: E402
import tempfile  # noqa: E402

import pytest  # noqa: E402

# The local harbor sandbox runs its users as unprivileged host uids (user namespaces),
# which must walk through TMPDIR; pytest's own temp root is root-only. So the whole run's
# TMPDIR is a 0711 folder of its own (removed by the OS temp cleaner, like pytest's).
if os.geteuid() == 0 and not os.environ.get("ENVBRIDGE_TESTS_TMPDIR"):
    _run_tmp = tempfile.mkdtemp(prefix="envbridge-tests-")
    os.chmod(_run_tmp, 0o711)
    os.environ["TMPDIR"] = os.environ["ENVBRIDGE_TESTS_TMPDIR"] = _run_tmp
    tempfile.tempdir = None

# One real headless Chromium per run, for the /web page tests (tests/web, harbor's too).
from tests.web.fixtures import browser, screenshot_dir, web  # noqa: E402, F401


@pytest.fixture
def anyio_backend() -> str:
    """Async tests (``@pytest.mark.anyio``) run on asyncio."""
    return "asyncio"


_engine: list[bool] = []


def pytest_runtest_setup(item: pytest.Item) -> None:
    """A test marked ``docker`` needs a reachable engine: it is skipped without one, and
    fails instead under ``CI=true`` (see tests/docker_gate.py). Only the real marker counts,
    not a path or name containing "docker"."""
    if item.get_closest_marker("docker") is None:
        return
    from tests.docker_gate import engine_reachable, no_engine

    if not _engine:
        _engine.append(engine_reachable())
    if not _engine[0]:
        no_engine()
