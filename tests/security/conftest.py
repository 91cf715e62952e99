"""Fixtures of the attack tests: bubblewrap, the Docker base image, leak counting."""

from __future__ import annotations

import os
import shutil
import tempfile
from pathlib import Path

import pytest

from tests.bridges.harbor.support import assert_nothing_leaked, docker_available, leak_snapshot
from tests.security.support import BASE_IMAGE


@pytest.fixture(scope="session", autouse=True)
def private_temp_dir(tmp_path_factory):
    """Sandboxes of this run live in a folder of their own, so the leak counts are not
    disturbed by other processes using the bridge on the same machine."""
    tmp_path_factory.getbasetemp()  # pin pytest's own temp root before TMPDIR changes
    saved = os.environ.get("TMPDIR")
    folder = Path(tempfile.mkdtemp(prefix="security-tests-"))
    folder.chmod(0o711)  # sandbox users are unprivileged host uids: they walk through it
    os.environ["TMPDIR"] = str(folder)
    tempfile.tempdir = None
    yield folder
    if saved is None:
        os.environ.pop("TMPDIR", None)
    else:
        os.environ["TMPDIR"] = saved
    tempfile.tempdir = None
    shutil.rmtree(folder, ignore_errors=True)


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
