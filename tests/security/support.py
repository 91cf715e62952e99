"""Pieces of the attack tests: purpose-built tasks, episodes on a chosen backend."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from envbridge.bridges.harbor import load_target

BASE_IMAGE = "envbridge/base:py3"
BASE_IMAGES = {"python:3.12-slim": BASE_IMAGE}

AGENT_USER_DOCKERFILE = (
    "FROM python:3.12-slim\n"
    "RUN useradd --create-home --uid 1001 --shell /bin/bash agent \\\n"
    " && mkdir -p /app && chown agent:agent /app\n"
    "WORKDIR /app\n"
    "USER agent\n"
)
"""An image whose agent is the unprivileged user ``agent`` (uid 1001)."""
ROOT_DOCKERFILE = "FROM python:3.12-slim\nWORKDIR /app\n"
"""An image whose agent is root (harbor's default when the Dockerfile sets no USER)."""

UNSOLVED_TEST_SH = (
    "if [ -f /app/solved ]; then echo 1; else echo 0; fi > /logs/verifier/reward.txt\nsleep 0.5\n"
)
"""Scores 0 unless /app/solved exists (the tasks' agents never create it); then waits, so a
forger running in the background has time to overwrite the reward."""

BACKENDS = [
    pytest.param("local", id="local"),
    pytest.param("docker", id="docker", marks=pytest.mark.docker),
]


def make_task(
    root: Path,
    *,
    dockerfile: str = ROOT_DOCKERFILE,
    test_sh: str = UNSOLVED_TEST_SH,
    toml: str = "",
    name: str = "attack",
) -> Path:
    """A task directory under ``root``; the instruction says nothing useful."""
    task = root / name
    (task / "environment").mkdir(parents=True)
    (task / "tests").mkdir()
    (task / "environment" / "Dockerfile").write_text(dockerfile)
    (task / "task.toml").write_text(toml)
    (task / "instruction.md").write_text("Do nothing.\n")
    (task / "tests" / "test.sh").write_text("#!/bin/bash\n" + test_sh)
    return task


def open_env(task: Path, backend: str, request: pytest.FixtureRequest, **options: Any) -> Any:
    """A fresh (not yet reset) environment over ``task`` on ``backend``."""
    if backend == "docker":
        request.getfixturevalue("base_image")
        options.setdefault("base_images", BASE_IMAGES)
    else:
        request.getfixturevalue("bwrap_required")
    return load_target(str(task), {"backend": backend, **options})()
