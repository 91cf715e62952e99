"""Wheels are checked against the image's Python before any build starts."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

from envbridge.docker.errors import DockerPackagingError
from envbridge.docker.wheelhouse import check_wheels_fit, copy_project_sources

HOST = f"{sys.version_info.major}.{sys.version_info.minor}"
HOST_TAG = f"cp{sys.version_info.major}{sys.version_info.minor}"


def test_pure_python_and_host_abi_wheels_fit_the_same_python():
    check_wheels_fit(
        [
            Path("pydantic-2.14.3-py3-none-any.whl"),
            Path(f"numpy-2.4.6-{HOST_TAG}-{HOST_TAG}-manylinux_2_17_x86_64.whl"),
        ],
        HOST,
    )


def test_a_wheel_for_another_python_is_refused_with_the_fix():
    other = "3.12" if HOST != "3.12" else "3.11"
    wheel = Path(f"numpy-2.4.6-{HOST_TAG}-{HOST_TAG}-manylinux_2_17_x86_64.whl")
    with pytest.raises(DockerPackagingError, match=rf"numpy.*python{other} -m envbridge build"):
        check_wheels_fit([wheel, Path("idna-3.20-py3-none-any.whl")], other)


def test_only_package_folders_and_metadata_are_copied_for_the_wheel(tmp_path):
    root = Path(__file__).resolve().parents[2]
    dest = copy_project_sources(root, tmp_path / "src")
    names = {path.name for path in dest.iterdir()}
    assert {"pyproject.toml", "envbridge", "spec"} <= names
    assert not {"tests", ".venv", "build", ".git"} & names
    assert not list(dest.rglob("__pycache__"))
