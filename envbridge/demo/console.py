"""Plain-text output for the demo: aligned tables and a progress bar that also reads
well in CI logs (no terminal: a line every tenth instead of redrawing)."""

from __future__ import annotations

import sys
import time
from collections.abc import Sequence
from typing import TextIO


def table(headers: Sequence[str], rows: Sequence[Sequence[object]]) -> str:
    """Rows under headers, columns aligned (numbers right, text left)."""
    cells = [[str(h) for h in headers], *[[_cell(v) for v in row] for row in rows]]
    widths = [max(len(row[i]) for row in cells) for i in range(len(headers))]
    numeric = [all(_is_number(row[i]) for row in rows) and rows for i in range(len(headers))]

    def line(row: Sequence[str]) -> str:
        return "  ".join(
            value.rjust(width) if numeric[i] else value.ljust(width)
            for i, (value, width) in enumerate(zip(row, widths, strict=True))
        ).rstrip()

    rule = "  ".join("-" * width for width in widths)
    return "\n".join([line(cells[0]), rule, *(line(row) for row in cells[1:])])


def _cell(value: object) -> str:
    if isinstance(value, float):
        return f"{value:,.1f}"
    return str(value)


def _is_number(value: object) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool)


class ProgressBar:
    """``[#####-----]  50%  12.3 s  <status>``; redrawn in place on a terminal."""

    def __init__(self, width: int = 28, stream: TextIO | None = None):
        self.width = width
        self.stream = stream or sys.stdout
        self.interactive = self.stream.isatty()
        self.started = time.monotonic()
        self._last_tenth = -1
        self._last_draw = 0.0

    def update(self, fraction: float, status: str) -> None:
        fraction = max(0.0, min(1.0, fraction))
        if self.interactive and fraction < 1.0 and time.monotonic() - self._last_draw < 0.1:
            return  # redraw at most ten times a second
        filled = round(fraction * self.width)
        bar = "#" * filled + "-" * (self.width - filled)
        text = f"  [{bar}] {fraction:4.0%}  {time.monotonic() - self.started:5.1f} s  {status}"
        if self.interactive:
            self._last_draw = time.monotonic()
            self.stream.write("\r" + text[:160].ljust(160))
            self.stream.flush()
        elif int(fraction * 10) > self._last_tenth:
            self._last_tenth = int(fraction * 10)
            print(text, file=self.stream, flush=True)

    def finish(self) -> None:
        if self.interactive:
            self.stream.write("\n")
            self.stream.flush()
