"""Docker-only behaviour: base-image mapping errors, limits, labels, cleanup on failure."""

from __future__ import annotations

import os
import shutil
import time

import docker
import pytest
from envbridge.bridges.harbor import HarborSettings, load_target
from envbridge.bridges.harbor.backends import SandboxError
from envbridge.bridges.harbor.backends.docker import CONTAINER_LABEL, OWNER_LABEL, _build_context
from envbridge.bridges.harbor.environment import HarborEnvironment
from envbridge.bridges.harbor.task import load_tasks

from tests.bridges.harbor.support import (
    BASE_IMAGES,
    TASKS_DIR,
    episode_tasks_dir,
    harbor_containers,
)


def test_build_context_hash_is_stable_and_content_sensitive(tmp_path):
    (tmp_path / "a.txt").write_text("a")
    first = _build_context(tmp_path, "FROM x\n", ["sha256:1"], {})[1]
    assert _build_context(tmp_path, "FROM x\n", ["sha256:1"], {})[1] == first
    assert _build_context(tmp_path, "FROM y\n", ["sha256:1"], {})[1] != first
    assert _build_context(tmp_path, "FROM x\n", ["sha256:2"], {})[1] != first
    (tmp_path / "a.txt").write_text("b")
    assert _build_context(tmp_path, "FROM x\n", ["sha256:1"], {})[1] != first


@pytest.mark.docker
def test_a_base_image_without_stand_in_is_a_clear_error_not_a_hang(base_image, tmp_path):
    task_dir = tmp_path / "alpine-task"
    shutil.copytree(TASKS_DIR / "hello-file", task_dir)
    (task_dir / "environment" / "Dockerfile").write_text("FROM alpine:3.20\n")
    env = HarborEnvironment(load_tasks(task_dir), HarborSettings(), "docker")
    started = time.monotonic()
    with pytest.raises(SandboxError, match=r"'alpine:3\.20' is not available locally"):
        env.reset()
    assert time.monotonic() - started < 15
    env.close()
    with pytest.raises(ValueError, match=r"--base-image alpine:3\.20=LOCAL"):
        load_target(str(task_dir), {"backend": "docker"})


@pytest.mark.docker
def test_container_has_limits_no_network_and_our_label(base_image):
    env = load_target(
        str(TASKS_DIR / "hello-file"), {"backend": "docker", "base_images": BASE_IMAGES}
    )()
    client = docker.from_env()
    try:
        env.reset()
        mine = [CONTAINER_LABEL, f"{OWNER_LABEL}={os.getpid()}"]
        (container,) = client.containers.list(filters={"label": mine})
        host = container.attrs["HostConfig"]
        assert host["NanoCpus"] == 1_000_000_000 and host["Memory"] == 512 * 1024 * 1024
        assert host["NetworkMode"] == "none"
        assert container.labels[CONTAINER_LABEL] == "hello-file"
        env.close()
        assert harbor_containers() == []
    finally:
        env.close()
        client.close()


@pytest.mark.docker
@pytest.mark.parametrize(
    ("dockerfile", "toml", "message"),
    [
        ("FROM python:3.12-slim\nRUN exit 7\n", "", "building edge's Dockerfile failed"),
        (
            "FROM python:3.12-slim\n",
            '[environment.healthcheck]\ncommand = "false"\ninterval_sec = 0.1\nretries = 0\n',
            "healthcheck 'false' failed",
        ),
    ],
)
def test_failed_episode_start_removes_its_container(
    tmp_path, base_image, dockerfile, toml, message
):
    task = tmp_path / "edge"
    (task / "environment").mkdir(parents=True)
    (task / "tests").mkdir()
    (task / "environment" / "Dockerfile").write_text(dockerfile)
    (task / "task.toml").write_text(toml)
    (task / "instruction.md").write_text("x\n")
    (task / "tests" / "test.sh").write_text("echo 1 > /logs/verifier/reward.txt\n")
    env = load_target(str(task), {"backend": "docker", "base_images": BASE_IMAGES})()
    with pytest.raises(SandboxError, match=message):
        env.reset()
    assert harbor_containers() == []
    env.close()


@pytest.mark.docker
def test_closing_mid_episode_removes_the_container(base_image):
    env = load_target(str(episode_tasks_dir()), {"backend": "docker", "base_images": BASE_IMAGES})()
    env.reset(options={"task_id": "nginx-log-triage"})
    env.call_tool("exec", {"command": "sleep 300 &"})
    assert len(harbor_containers()) == 1
    env.close()
    assert harbor_containers() == []


def test_auto_backend_falls_back_to_local_without_an_engine(monkeypatch):
    from envbridge.bridges.harbor.backends import choose_backend

    def unreachable_engine(**kwargs):  # stands in for a host without Docker
        raise docker.errors.DockerException("Error while fetching server API version")

    monkeypatch.setattr(docker, "from_env", unreachable_engine)
    assert choose_backend("auto") == "local"
    assert choose_backend("docker") == "docker"
    with pytest.raises(ValueError, match=r"cannot reach the Docker engine.*--backend local"):
        load_target(str(episode_tasks_dir()), {"backend": "docker"})


@pytest.mark.docker
def test_auto_backend_uses_a_reachable_engine():
    from envbridge.bridges.harbor.backends import choose_backend

    assert choose_backend("auto") == "docker"


@pytest.mark.docker
def test_sim_and_prod_agree_on_the_docker_backend(base_image):
    from tests.properties.parity import ParityHarness

    factory = load_target(
        str(TASKS_DIR / "agent-user-scripts"), {"backend": "docker", "base_images": BASE_IMAGES}
    )
    calls = [
        ("exec", {"command": "id -un; cd ~ && pwd"}),
        ("write_file", {"path": "/app/shared/greet.log", "content": "hello from agent"}),
        ("read_file", {"path": "shared/greet.log"}),
        ("write_file", {"path": "/etc/passwd", "content": "x"}),
        ("submit", {}),
    ]
    with ParityHarness(factory) as harness:
        outcomes = harness.check(calls)
    assert outcomes[0][1]["stdout"] == "agent\n/home/agent\n"
    assert outcomes[2][1]["content"] == "hello from agent"
    assert outcomes[3] == ("error", "execution_error")  # permission denied for the agent
    assert outcomes[4][1]["reward"] == 0.0
