"""The ``openenv.yaml`` manifest each image carries (OpenEnv's fields and conventions)."""

from __future__ import annotations

import json

from envbridge import __version__
from envbridge.docker.target_plan import TargetPlan

CONTAINER_PORT = 8000
"""OpenEnv's convention: the server listens on 8000 inside the container."""


def openenv_manifest(plan: TargetPlan, description: str = "") -> str:
    """YAML text with OpenEnv's manifest fields (JSON strings are valid YAML scalars)."""
    fields = {
        "spec_version": 1,
        "name": plan.name,
        "version": __version__,
        "description": description or f"{plan.target} served by envbridge {__version__}",
        "type": "space",
        "runtime": "fastapi",
        "app": "envbridge.docker.container_app:app",
        "port": CONTAINER_PORT,
    }
    lines = ["# OpenEnv manifest written by 'envbridge build'"]
    lines += [f"{key}: {json.dumps(value)}" for key, value in fields.items()]
    return "\n".join(lines) + "\n"
