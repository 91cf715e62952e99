"""Offline stand-ins for common base images, and their automatic use by the docker backend.

The stand-ins are real images built once per machine (``envbridge base-image
--stand-ins``); the python ones must carry a CPython of the version asked for with a pip
that installs (no PEP 668 block), the Ubuntu ones must say they are Debian.
"""

from __future__ import annotations

import base64
import hashlib
import io
import logging
import zipfile

import docker
import pytest
from envbridge.bridges.harbor import load_target
from envbridge.bridges.harbor.base_images import ImagePlan, planned_base
from envbridge.bridges.harbor.cli import main as lint_main

from envbridge.docker.stand_ins import (
    KIND_LABEL,
    STAND_IN_OF_LABEL,
    default_stand_ins,
    ensure_stand_in,
    stand_in_for,
)
from tests.bridges.harbor.support import TASKS_DIR

pytestmark = pytest.mark.docker


@pytest.mark.parametrize(
    ("image", "tag", "kind"),
    [
        ("python:3.12-slim", "envbridge/stand-in:python3.12-slim", "cpython"),
        ("python:3.11.9-slim-bookworm", "envbridge/stand-in:python3.11-slim", "cpython"),
        ("docker.io/library/python:3.13", "envbridge/stand-in:python3.13-slim", "cpython"),
        ("debian:bookworm-slim", "envbridge/stand-in:debian-bookworm", "debian"),
        ("ubuntu:noble", "envbridge/stand-in:ubuntu-24.04", "debian-for-ubuntu"),
        ("ubuntu:22.04", "envbridge/stand-in:ubuntu-22.04", "debian-for-ubuntu"),
    ],
)
def test_public_images_have_stand_ins(image, tag, kind):
    stand_in = stand_in_for(image)
    assert (stand_in.tag, stand_in.kind) == (tag, kind)


@pytest.mark.parametrize("image", ["alpine:3.20", "node:20", "python:2.7", "ubuntu:20.04"])
def test_unknown_images_have_none(image):
    assert stand_in_for(image) is None


@pytest.fixture(scope="module")
def stand_ins(base_image):
    """Every default stand-in, built once per machine (a no-op when they exist)."""
    return {s.image: ensure_stand_in(s, progress=lambda _: None) for s in default_stand_ins()}


def _wheel() -> tuple[str, bytes]:
    """A minimal pure-Python wheel, made here (no index needed)."""
    name = "ebprobe-1.0-py3-none-any.whl"
    files = {
        "ebprobe.py": b"VALUE = 42\n",
        "ebprobe-1.0.dist-info/METADATA": b"Metadata-Version: 2.1\nName: ebprobe\nVersion: 1.0\n",
        "ebprobe-1.0.dist-info/WHEEL": b"Wheel-Version: 1.0\nGenerator: t\nRoot-Is-Purelib: true"
        b"\nTag: py3-none-any\n",
    }
    record = []
    for path, data in files.items():
        digest = base64.urlsafe_b64encode(hashlib.sha256(data).digest()).rstrip(b"=").decode()
        record.append(f"{path},sha256={digest},{len(data)}")
    record.append("ebprobe-1.0.dist-info/RECORD,,")
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        for path, data in files.items():
            archive.writestr(path, data)
        archive.writestr("ebprobe-1.0.dist-info/RECORD", "\n".join(record) + "\n")
    return name, buffer.getvalue()


def _run(image: str, script: str, files: dict[str, bytes] | None = None) -> str:
    client = docker.from_env()
    container = client.containers.create(
        image, ["bash", "-c", script], network_mode="none", labels={"org.envbridge.test": "1"}
    )
    try:
        if files:
            buffer = io.BytesIO()
            import tarfile

            with tarfile.open(fileobj=buffer, mode="w") as tar:
                for name, data in files.items():
                    info = tarfile.TarInfo(name)
                    info.size = len(data)
                    tar.addfile(info, io.BytesIO(data))
            container.put_archive("/tmp", buffer.getvalue())
        container.start()
        code = container.wait(timeout=120)["StatusCode"]
        output = container.logs().decode()
        assert code == 0, output
        return output
    finally:
        container.remove(force=True)
        client.close()


@pytest.mark.parametrize("version", ["3.11", "3.12", "3.13"])
def test_python_stand_ins_have_that_cpython_and_a_pip_that_installs(stand_ins, version):
    name, wheel = _wheel()
    output = _run(
        stand_ins[f"python:{version}-slim"],
        f"python3 -c 'import sys; print(sys.version_info[:2], sys.prefix)' && "
        f"pip install --no-index /tmp/{name} && python3 -c 'import ebprobe; print(ebprobe.VALUE)'",
        {name: wheel},
    )
    major, minor = version.split(".")
    assert f"({major}, {minor}) /usr/local" in output
    assert "Successfully installed ebprobe-1.0" in output and output.rstrip().endswith("42")
    assert "externally-managed" not in output


def test_ubuntu_stand_ins_are_labelled_as_debian(stand_ins):
    client = docker.from_env()
    try:
        labels = client.images.get(stand_ins["ubuntu:24.04"]).labels
    finally:
        client.close()
    assert labels[KIND_LABEL] == "debian-for-ubuntu" and labels[STAND_IN_OF_LABEL] == "ubuntu:24.04"
    assert "Debian GNU/Linux 12" in _run(stand_ins["ubuntu:24.04"], "cat /etc/os-release")


def test_a_mapping_overrides_the_stand_in(stand_ins):
    client = docker.from_env()
    try:
        assert planned_base(client, "python:3.12-slim", {}) == (
            "envbridge/stand-in:python3.12-slim",
            stand_in_for("python:3.12-slim"),
        )
        mapped = {"python:3.12-slim": "envbridge/base:py3"}
        assert planned_base(client, "python:3.12-slim", mapped) == ("envbridge/base:py3", None)
        plan = ImagePlan(client, "t", TASKS_DIR / "hello-file" / "environment", None, {})
        assert plan.problems == [] and "stand-in" in plan.describe()[1]
    finally:
        client.close()


def test_the_docker_backend_uses_the_stand_in_and_says_so_once(stand_ins, caplog):
    from envbridge.bridges.harbor import base_images

    base_images._announced.discard("python:3.12-slim")
    factory = load_target(str(TASKS_DIR / "hello-file"), {"backend": "docker"})
    with caplog.at_level(logging.WARNING, logger="envbridge.harbor"):
        for _ in range(2):
            env = factory()
            try:
                env.reset()
                result = env.call_tool("exec", {"command": "python3 --version"})
                assert result["stdout"].startswith("Python 3.12")
            finally:
                env.close()
    said = [r.getMessage() for r in caplog.records if "cannot be pulled" in r.getMessage()]
    assert len(said) == 1 and "envbridge/stand-in:python3.12-slim" in said[0]


def test_lint_reports_the_stand_in_and_that_ubuntu_is_debian(stand_ins, capsys):
    assert lint_main([str(TASKS_DIR / "nginx-log-triage"), "--backend", "docker"]) == 0
    out = capsys.readouterr().out
    assert "[image] builds environment/Dockerfile; FROM ubuntu:24.04 cannot be pulled" in out
    assert "warning [debian-stand-in]" in out and "NOT Ubuntu" in out
