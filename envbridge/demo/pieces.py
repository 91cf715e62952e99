"""The four ecosystems the demo brings together, and how each is started and driven.

A piece runs when everything it needs imports; otherwise the demo says which piece is
missing and carries on with the rest.
"""

from __future__ import annotations

import importlib.util
import sys
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from envbridge.demo.policies import CartPoleLearner, CountUp, Policy

ROOT = Path(__file__).resolve().parent.parent.parent
"""The source checkout (its ``envs/`` holds the sample environments)."""


@dataclass(frozen=True)
class Piece:
    """One environment of the demo."""

    name: str
    """Its name in every table."""
    source: str
    """Where its results come from, for the final provenance line."""
    needs: tuple[str, ...]
    """Modules that must be importable."""
    missing: str
    """What to call it when a module is missing: "skipped: <missing> not installed yet"."""
    server: dict[str, Any]
    """``Pool.add`` keyword arguments that start its server."""
    sessions: int
    policy: Callable[[int], Policy]
    """sessions -> the policy acting in them."""

    def skip_reason(self) -> str | None:
        """Why this piece cannot run here, or None when it can."""
        if not (ROOT / "envs").is_dir():
            return "skipped: the sample environments (envs/) are not here; run from a checkout"
        for module in self.needs:
            try:
                found = importlib.util.find_spec(module) is not None
            except ImportError:
                found = False
            if not found:
                return f"skipped: {self.missing} not installed yet (no module {module!r})"
        return None


def _uvicorn(app: str) -> list[str]:
    return [sys.executable, "-m", "uvicorn", app, "--host", "127.0.0.1", "--port", "{port}",
            "--log-level", "warning"]  # fmt: skip


def pieces(quick: bool) -> list[Piece]:
    """The demo's environments (fewer sessions in quick mode)."""
    learners = 8
    return [
        Piece(
            name="gymnasium",
            source="gym:CartPole-v1 served by envbridge's Gymnasium bridge",
            needs=("gymnasium", "envbridge.bridges.gymnasium"),
            missing="the Gymnasium bridge (envbridge[gymnasium])",
            server={"target": "gym:CartPole-v1"},
            sessions=learners,
            policy=lambda n: CartPoleLearner(n),
        ),
        Piece(
            name="openenv",
            source="envs/openenv_native/counter_app.py, written with the official openenv "
            "library and served by its own create_app under uvicorn",
            needs=("openenv", "fastmcp", "envs.openenv_native"),
            missing="the official openenv library (pip install openenv==0.10.0)",
            server={
                "command": _uvicorn("envs.openenv_native.counter_app:app"),
                "env": {"ENABLE_WEB_INTERFACE": "false"},
            },
            sessions=2 if quick else 4,
            policy=lambda n: CountUp(),
        ),
    ]
