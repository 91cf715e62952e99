"""Fixtures for the harbor bridge tests: every module must leave nothing behind."""

from __future__ import annotations

import shutil

import pytest

from tests.bridges.harbor.support import (
    BASE_IMAGE,
    TASKS_DIR,
    assert_nothing_leaked,
    docker_available,
    leak_snapshot,
)
from tests.tmpdirs import private_tmpdir


@pytest.fixture(scope="package", autouse=True)
def private_temp_dirs(tmp_path_factory):
    """Sandboxes of this test run live in folders of their own, so that the leak counts
    are not disturbed by other processes on the machine using the bridge at the same time."""
    tmp_path_factory.getbasetemp()  # pin pytest's own temp root before TMPDIR changes
    with private_tmpdir("harbor-tests-"):
        yield


@pytest.fixture(scope="module", autouse=True)
def nothing_leaks(request, private_temp_dirs):
    """Count sandboxes (processes, temp dirs, containers) before and after each module."""
    docker_too = docker_available()
    before = leak_snapshot(docker_too)
    yield
    assert_nothing_leaked(before, docker_too, request.module.__name__)


@pytest.fixture(scope="session")
def tasks_dir():
    return TASKS_DIR


@pytest.fixture(scope="session")
def bwrap_required():
    if shutil.which("bwrap") is None:
        pytest.fail("bubblewrap is missing: run scripts/system-deps.sh")


@pytest.fixture(scope="session")
def base_image():
    """The project's offline base image, built once (debootstrap) if missing."""
    from envbridge.docker import ensure_base_image

    return ensure_base_image(BASE_IMAGE, progress=lambda message: None)
