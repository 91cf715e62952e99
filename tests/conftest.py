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
