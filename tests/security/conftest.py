"""Fixtures of the attack tests: bubblewrap, the Docker base image, leak counting."""

from __future__ import annotations

import shutil

import pytest

from tests.bridges.harbor.support import assert_nothing_leaked, docker_available, leak_snapshot
from tests.security.support import BASE_IMAGE
from tests.tmpdirs import private_tmpdir


@pytest.fixture(scope="package", autouse=True)
def private_temp_dir(tmp_path_factory):
    """Sandboxes of this run live in a folder of their own, so the leak counts are not
    disturbed by other processes using the bridge on the same machine."""
    tmp_path_factory.getbasetemp()  # pin pytest's own temp root before TMPDIR changes
    with private_tmpdir("security-tests-") as folder:
        yield folder


@pytest.fixture(scope="session")
def bwrap_required() -> None:
    if shutil.which("bwrap") is None:
        pytest.fail("bubblewrap is missing: run scripts/system-deps.sh")


@pytest.fixture(scope="session")
def base_image() -> str:
    """The project's offline base image, built once (debootstrap) if missing."""
    from envbridge.docker import ensure_base_image

    return ensure_base_image(BASE_IMAGE, progress=lambda message: None)


@pytest.fixture(autouse=True)
def nothing_leaks(request: pytest.FixtureRequest):
    """No sandbox process, folder or container of this process outlives a test."""
    docker_too = docker_available()
    before = leak_snapshot(docker_too)
    yield
    assert_nothing_leaked(before, docker_too, request.node.name)
