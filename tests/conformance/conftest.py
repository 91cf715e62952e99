"""Fixtures for the conformance kit's tests: healthy envbridge servers on loopback."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from envbridge.conformance.broken import healthy_app

from tests.helpers import serving_app

FAST = {"latency_samples": 5}
"""Options for runs whose latency numbers nobody reads."""


@pytest.fixture(scope="module")
def healthy_url() -> Iterator[str]:
    """The reference counter on envbridge, simulation mode."""
    with serving_app(healthy_app()) as url:
        yield url


@pytest.fixture(scope="module")
def healthy_production_url() -> Iterator[str]:
    """The reference counter on envbridge, production mode."""
    with serving_app(healthy_app(mode="production")) as url:
        yield url
