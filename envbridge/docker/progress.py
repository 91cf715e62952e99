"""Progress lines for long Docker operations (bootstrap, wheelhouse, build)."""

from __future__ import annotations

import sys
from collections.abc import Callable

Progress = Callable[[str], None]
"""Receives one human-readable line per step."""


def print_progress(line: str) -> None:
    """The default progress sink: one line on stderr, flushed at once."""
    print(line, file=sys.stderr, flush=True)


def no_progress(line: str) -> None:
    """A progress sink that discards everything (``--quiet``)."""
