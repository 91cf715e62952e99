"""Suite-wide fixtures: the repo root on sys.path (for envs/), leak accounting, the browser."""

from __future__ import annotations

import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))


import pytest  # noqa: E402

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
