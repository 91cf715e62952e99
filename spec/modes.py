"""Server modes: simulation (training/eval) and production (MCP tools only)."""

from __future__ import annotations

from enum import StrEnum


class Mode(StrEnum):
    """Which API a server exposes.

    ``simulation``: reset / step / state and tools. ``production``: tools only; every
    transport refuses reset, step and state (OpenEnv still accepts them over ``/ws``).
    """

    SIMULATION = "simulation"
    PRODUCTION = "production"

    @classmethod
    def parse(cls, value: str | Mode) -> Mode:
        """Case-insensitive parse with an error that lists the valid modes."""
        try:
            return cls(str(value).lower())
        except ValueError:
            raise ValueError(
                f"invalid mode {value!r}; use one of: {', '.join(m.value for m in cls)}"
            ) from None
