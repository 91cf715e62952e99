"""A built image: offline install, non-root, health-checked, served on port 8000."""

from __future__ import annotations

import io
import tarfile
import time

import httpx
import pytest
import yaml

from tests.docker.conftest import TEST_RUN_ID, TEST_RUN_LABEL

pytestmark = pytest.mark.docker


def read_file_from_image(engine, image: str, path: str) -> str:
    container = engine.containers.create(image, labels={TEST_RUN_LABEL: TEST_RUN_ID})
    try:
        stream, _ = container.get_archive(path)
        with tarfile.open(fileobj=io.BytesIO(b"".join(stream))) as archive:
            return archive.extractfile(archive.getmembers()[0]).read().decode()
    finally:
        container.remove(force=True)


def test_image_runs_serve_on_8000_as_a_non_root_user_with_a_healthcheck(engine, counter_image):
    config = engine.images.get(counter_image).attrs["Config"]
    assert config["User"] == "envbridge"
    assert config["Cmd"][1:4] == ["serve", "envs.native.counter:CounterEnv", "--host"]
    assert config["Cmd"][config["Cmd"].index("--port") + 1] == "8000"
    assert "8000/tcp" in config["ExposedPorts"]
    assert "/health" in " ".join(config["Healthcheck"]["Test"])


def test_image_carries_an_openenv_manifest(engine, counter_image):
    manifest = yaml.safe_load(read_file_from_image(engine, counter_image, "/app/openenv.yaml"))
    assert manifest["spec_version"] == 1
    assert manifest["port"] == 8000
    assert manifest["name"] == "counterenv"


def test_wheels_never_reach_the_final_image(engine, counter_image):
    script = (
        "ls -d /context /stage 2>&1;"
        " find / -xdev -name '*.whl' -not -path '/usr/share/python-wheels/*' | wc -l;"
        " /opt/envbridge/bin/pip list 2>/dev/null | grep -c '^envbridge '"
    )
    output = engine.containers.run(
        counter_image,
        ["bash", "-c", script],
        remove=True,
        labels={TEST_RUN_LABEL: TEST_RUN_ID},
    ).decode()
    lines = output.strip().splitlines()
    assert "'/context': No such file" in lines[0]
    assert "'/stage': No such file" in lines[1]
    assert lines[2:] == ["0", "1"]  # no wheel files; envbridge installed


def test_the_install_stage_images_are_pruned(engine, counter_image):
    leftovers = engine.images.list(all=True, filters={"label": "org.envbridge.build-stage"})
    assert leftovers == []


def test_dockers_own_healthcheck_reports_the_server_healthy(engine, counter_image):
    from envbridge.docker.container import start_container

    with start_container(counter_image) as running:
        deadline = time.monotonic() + 30
        status = None
        while time.monotonic() < deadline:
            running.container.reload()
            status = running.container.attrs["State"]["Health"]["Status"]
            if status == "healthy":
                break
            time.sleep(0.5)
        assert status == "healthy", running.container.attrs["State"]["Health"]


def test_the_manifest_app_string_serves_the_target_under_uvicorn_in_the_image(counter_image):
    from envbridge.docker.container import start_container

    uvicorn = ["/opt/envbridge/bin/uvicorn", "envbridge.docker.container_app:app"]
    command = [*uvicorn, "--host", "0.0.0.0", "--port", "8000"]
    with start_container(counter_image, command=command) as running:
        metadata = httpx.get(f"{running.url}/metadata", trust_env=False).json()
        assert metadata["name"] == "counter"
