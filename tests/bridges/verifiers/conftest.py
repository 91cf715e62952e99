"""Fixtures for the verifiers bridge: the sample envs (built once, on the main thread)."""

from __future__ import annotations

import sys

import pytest

from tests.helpers import ROOT

SAMPLE_ENV_DIRS = sorted((ROOT / "envs" / "verifiers").glob("vf_*"))
for _path in SAMPLE_ENV_DIRS:  # the sample packages, importable even when not pip-installed
    if str(_path) not in sys.path:
        sys.path.insert(0, str(_path))

import vf_calc  # noqa: E402
import vf_guess  # noqa: E402
import vf_math  # noqa: E402

SAMPLE_PYTHONPATH = ":".join([str(ROOT), *(str(path) for path in SAMPLE_ENV_DIRS)])
"""PYTHONPATH that lets a subprocess import the sample environments."""


@pytest.fixture(scope="session")
def math_env():
    return vf_math.load_environment()


@pytest.fixture(scope="session")
def guess_env():
    return vf_guess.load_environment()


@pytest.fixture(scope="session")
def calc_env():
    return vf_calc.load_environment()
