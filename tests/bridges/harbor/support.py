"""Shared pieces of the harbor bridge tests: the sample tasks, agents, leak counters."""

from __future__ import annotations

import os
import tempfile
from pathlib import Path
from typing import Any

from envbridge.bridges.harbor.backends.docker import CONTAINER_LABEL, OWNER_LABEL
from envbridge.bridges.harbor.task import Task

ROOT = Path(__file__).resolve().parents[3]
TASKS_DIR = ROOT / "envs" / "harbor"
SAMPLE_TASK_IDS = sorted(
    path.name for path in TASKS_DIR.iterdir() if (path / "task.toml").is_file()
)
BASE_IMAGE = "envbridge/base:py3"
BASE_IMAGES = {"python:3.12-slim": BASE_IMAGE, "ubuntu:24.04": BASE_IMAGE}


def oracle_agent(env: Any, task: Task) -> None:
    """Harbor's oracle, as an agent: upload solution/ through write_file, run solve.sh."""
    from envbridge.bridges.harbor.oracle import oracle_agent as run_oracle

    run_oracle(env, task)


def corpus_options(backend: str) -> dict[str, Any]:
    """Serve options for the corpus on ``backend``."""
    return {"backend": backend}  # docker: FROM images resolve to the local stand-ins


def sandbox_processes() -> list[str]:
    """Command lines of live bubblewrap sandboxes (local backend)."""
    found = []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            cmdline = (entry / "cmdline").read_bytes().replace(b"\0", b" ").decode()
        except OSError:
            continue
        if f"{tempfile.gettempdir()}/envbridge-harbor-local-" in cmdline:
            found.append(f"{entry.name}: {cmdline[:200]}")
    return found


def sandbox_dirs() -> list[str]:
    """Temporary folders the local backend creates."""
    roots = {
        Path(tempfile.gettempdir()),
        Path(os.environ.get("ENVBRIDGE_HARBOR_ETC_DIR", "/dev/shm")),
    }
    return sorted(str(path) for root in roots for path in root.glob("envbridge-harbor-*"))


def harbor_containers() -> list[str]:
    """Containers (running or not) the docker backend created in this process."""
    import docker

    client = docker.from_env()
    try:
        mine = [CONTAINER_LABEL, f"{OWNER_LABEL}={os.getpid()}"]
        return [c.name for c in client.containers.list(all=True, filters={"label": mine})]
    finally:
        client.close()


def leak_snapshot(docker_too: bool) -> dict[str, list[str]]:
    snapshot = {"processes": sandbox_processes(), "dirs": sandbox_dirs()}
    if docker_too:
        snapshot["containers"] = harbor_containers()
    return snapshot


def docker_available() -> bool:
    from envbridge.bridges.harbor.backends import docker_reachable

    return docker_reachable() and os.geteuid() == 0
