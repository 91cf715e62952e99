"""Whether Docker tests may skip: never under ``CI=true``, where Docker is part of the
product and a green run must mean the isolation tests ran."""

from __future__ import annotations

import os
from typing import NoReturn

import pytest


def strict() -> bool:
    """True under ``CI=true``."""
    return os.environ.get("CI", "").lower() == "true"


def engine_reachable() -> bool:
    """True when docker-py is installed and an engine answers a ping."""
    from envbridge.docker.engine import engine_reachable as reachable

    return reachable(timeout_s=10)


def no_engine(reason: str = "no reachable Docker engine") -> NoReturn:
    """Skip the test, or under ``CI=true`` fail it, saying what to fix."""
    if strict():
        pytest.fail(
            f"{reason}; under CI=true Docker tests must run, not skip: start dockerd "
            "(or set DOCKER_HOST) and make sure this user may use it",
            pytrace=False,
        )
    pytest.skip(reason)
