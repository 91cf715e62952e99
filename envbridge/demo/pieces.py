"""The four ecosystems the demo brings together, and how each is started and driven.

A piece runs when everything it needs imports; otherwise the demo says which piece is
missing and carries on with the rest.
"""

from __future__ import annotations

import importlib.util
import os
import shutil
import sys
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from envbridge.demo.policies import (
    BinarySearchGuesser,
    CartPoleLearner,
    CountUp,
    HarborOracle,
    Policy,
)
from envbridge.pool.sources import ProcessSource, Source, TargetSource

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
    server: Callable[[], Source]
    """Makes the pool source that starts its server."""
    sessions: int
    policy: Callable[[int], Policy]
    """sessions -> the policy acting in them."""
    files: tuple[str, ...] = ()
    """Paths under the checkout that must exist (its sample environments)."""
    commands: tuple[str, ...] = ()
    """Executables that must be on PATH."""

    def skip_reason(self) -> str | None:
        """Why this piece cannot run here, or None when it can."""
        if not (ROOT / "envs").is_dir():
            return "skipped: the sample environments (envs/) are not here; run from a checkout"
        for module in self.needs:
            if _absent(module):
                return f"skipped: {self.missing} not installed yet (no module {module!r})"
        for path in self.files:
            if not (ROOT / path).exists():
                return f"skipped: its sample environment {path} is not in this checkout yet"
        for command in self.commands:
            if shutil.which(command) is None:
                return f"skipped: {command} is not installed (scripts/system-deps.sh installs it)"
        return None


def _absent(module: str) -> bool:
    try:
        return importlib.util.find_spec(module) is None
    except ImportError:
        return True


def _uvicorn(app: str) -> list[str]:
    return [sys.executable, "-m", "uvicorn", app, "--host", "127.0.0.1", "--port", "{port}",
            "--log-level", "warning"]  # fmt: skip


def _pythonpath(*paths: Path) -> dict[str, str]:
    """``PYTHONPATH`` with ``paths`` in front of whatever is set already."""
    current = os.environ.get("PYTHONPATH")
    return {"PYTHONPATH": os.pathsep.join([*map(str, paths), *([current] if current else [])])}


VF_GUESS = "envs/verifiers/vf_guess"
HARBOR_TASKS = "envs/harbor"
BASE_IMAGE = "envbridge/base:py3"
"""The offline base image ``envbridge base-image`` builds; harbor's FROM images map to it."""
HARBOR_FROM_IMAGES = ("python:3.12-slim", "ubuntu:24.04")


def harbor_backend(docker: bool) -> tuple[str, dict[str, Any]]:
    """Bubblewrap; Docker when asked for and an engine and the base image are there.

    Bubblewrap is the default because it is several times faster per episode here (a
    container per episode), which keeps ``make demo`` well inside its time budget.
    """
    local = ("local bubblewrap sandboxes", {"backend": "local"})
    if not docker:
        return local
    try:
        import docker

        client = docker.from_env(timeout=10)
        try:
            client.images.get(BASE_IMAGE)
        finally:
            client.close()
    except Exception:  # no docker-py, no engine, or no base image: all mean "local"
        return local
    mapping = dict.fromkeys(HARBOR_FROM_IMAGES, BASE_IMAGE)
    return f"Docker containers from {BASE_IMAGE}", {"backend": "docker", "base_images": mapping}


def pieces(quick: bool, docker: bool = False) -> list[Piece]:
    """The demo's environments (fewer sessions in quick mode; ``docker``: harbor tasks in
    containers when Docker can run them)."""
    learners = 8
    sandboxes, harbor_options = harbor_backend(docker and not _absent("envbridge.bridges.harbor"))
    return [
        Piece(
            name="gymnasium",
            source="gym:CartPole-v1 served by envbridge's Gymnasium bridge",
            needs=("gymnasium", "envbridge.bridges.gymnasium"),
            missing="the Gymnasium bridge (envbridge[gymnasium])",
            server=lambda: TargetSource("gym:CartPole-v1", cwd=ROOT),
            sessions=learners,
            policy=lambda n: CartPoleLearner(n),
        ),
        Piece(
            name="verifiers",
            source="verifiers:vf-guess (a classic verifiers MultiTurnEnv, its own rubric) "
            "served by envbridge's verifiers bridge",
            needs=("verifiers", "envbridge.bridges.verifiers"),
            missing="the verifiers bridge (envbridge[verifiers])",
            server=lambda: TargetSource(
                "verifiers:vf-guess", cwd=ROOT, env=_pythonpath(ROOT / VF_GUESS)
            ),
            sessions=2 if quick else 4,
            policy=lambda n: BinarySearchGuesser(),
            files=(VF_GUESS,),
        ),
        Piece(
            name="harbor",
            source=f"harbor:{HARBOR_TASKS} (harbor task directories, graded by their own "
            f"tests/test.sh) served by envbridge's harbor bridge in {sandboxes}",
            needs=("envbridge.bridges.harbor",),
            missing="the harbor bridge (envbridge[harbor])",
            server=lambda: TargetSource(
                f"harbor:{ROOT / HARBOR_TASKS}", options=harbor_options, cwd=ROOT
            ),
            sessions=2,
            policy=lambda n: HarborOracle(ROOT / HARBOR_TASKS),
            files=(HARBOR_TASKS,),
            commands=("bwrap",) if harbor_options.get("backend") == "local" else (),
        ),
        Piece(
            name="openenv",
            source="envs/openenv_native/counter_app.py, written with the official openenv "
            "library and served by its own create_app under uvicorn",
            needs=("openenv", "fastmcp", "envs.openenv_native"),
            missing="the official openenv library (pip install openenv==0.10.0)",
            server=lambda: ProcessSource(
                _uvicorn("envs.openenv_native.counter_app:app"),
                cwd=ROOT,
                env={"ENABLE_WEB_INTERFACE": "false"},
            ),
            sessions=2 if quick else 4,
            policy=lambda n: CountUp(),
        ),
    ]
