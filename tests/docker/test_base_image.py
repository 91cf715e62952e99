"""The offline base image: Debian's Python, built without a registry, cached by tag."""

from __future__ import annotations

import sys
import time

import pytest

from envbridge.docker import DEFAULT_BASE_TAG, ensure_base_image
from envbridge.docker.base_image import PYTHON_LABEL
from envbridge.docker.cli import base_image_main
from tests.docker.conftest import TEST_RUN_ID, TEST_RUN_LABEL

pytestmark = pytest.mark.docker


def run_in(engine, image: str, command: str) -> str:
    output = engine.containers.run(
        image, ["bash", "-c", command], remove=True, labels={TEST_RUN_LABEL: TEST_RUN_ID}
    )
    return output.decode().strip()


def test_base_image_python_matches_the_host_so_host_wheels_install(engine, base_image):
    host = f"{sys.version_info.major}.{sys.version_info.minor}"
    image = engine.images.get(base_image)
    assert image.labels[PYTHON_LABEL] == host
    reported = run_in(engine, base_image, "python3 -c 'import sys; print(*sys.version_info[:2])'")
    assert reported.replace(" ", ".") == host


def test_base_image_can_run_harbor_task_tests_and_make_venvs(engine, base_image):
    output = run_in(
        engine,
        base_image,
        "set -e; bash --version | head -1; python3 -m pytest --version 2>&1;"
        " python3 -c 'import ensurepip, venv; print(ensurepip.version())';"
        " useradd -m probe; id -u probe",
    )
    assert "GNU bash" in output
    assert "pytest" in output
    assert output.splitlines()[-2][0].isdigit()  # ensurepip's bundled pip: venvs get pip
    assert output.splitlines()[-1].isdigit()


def test_base_image_is_small_because_apt_caches_and_docs_are_trimmed(engine, base_image):
    size_mb = engine.images.get(base_image).attrs["Size"] / 1e6
    assert size_mb < 200, f"base image is {size_mb:.0f} MB"
    assert run_in(engine, base_image, "ls /var/cache/apt/archives/*.deb 2>/dev/null | wc -l") == "0"


def test_second_build_is_a_cache_hit_that_keeps_the_image(engine, base_image):
    image_id = engine.images.get(base_image).id
    lines: list[str] = []
    started = time.monotonic()
    assert ensure_base_image(base_image, progress=lines.append) == base_image
    assert time.monotonic() - started < 5
    assert any("exists" in line for line in lines)
    assert engine.images.get(base_image).id == image_id


def test_cli_prints_the_tag_and_exits_zero(base_image, capsys):
    assert base_image_main(["--quiet", "--tag", base_image]) == 0
    assert capsys.readouterr().out.strip() == base_image == DEFAULT_BASE_TAG


def test_cli_without_an_engine_says_how_to_fix_it(monkeypatch, capsys):
    monkeypatch.setenv("DOCKER_HOST", "unix:///nonexistent/docker.sock")
    assert base_image_main(["--quiet"]) == 1
    err = capsys.readouterr().err
    assert "cannot reach the Docker engine" in err
    assert "DOCKER_HOST" in err


def test_a_foreign_base_without_our_label_is_asked_for_its_python(engine, base_image):
    from envbridge.docker.build import base_python

    container = engine.containers.create(base_image, labels={TEST_RUN_LABEL: TEST_RUN_ID})
    tag = f"envbridge-test/foreign-base:{TEST_RUN_ID}"
    repository, version = tag.split(":")
    container.commit(repository, version, conf={"Labels": {PYTHON_LABEL: ""}})
    container.remove()
    try:
        lines: list[str] = []
        host = f"{sys.version_info.major}.{sys.version_info.minor}"
        assert base_python(engine, tag, lines.append) == host
    finally:
        engine.images.remove(tag, force=True)
