"""Shared pieces of the harbor bridge tests: the sample tasks, agents, leak counters."""

from __future__ import annotations

import os
import tempfile
import time
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
    for path in sorted(task.solution_dir.rglob("*")):
        if path.is_file():
            relative = path.relative_to(task.solution_dir)
            env.call_tool(
                "write_file", {"path": f"/tmp/solution/{relative}", "content": path.read_text()}
            )
    exports = " ".join(f"{key}={value!r}" for key, value in task.config.solution.env.items())
    result = env.call_tool("exec", {"command": f"{exports} bash /tmp/solution/solve.sh"})
    assert result["exit_code"] == 0, result


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
    return sorted(str(path) for path in Path(tempfile.gettempdir()).glob("envbridge-harbor-*"))


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


def assert_nothing_leaked(before: dict[str, list[str]], docker_too: bool, what: str) -> None:
    """Wait up to 10 s for the leak snapshot to come back to ``before``, then compare."""
    deadline = time.monotonic() + 10
    after = leak_snapshot(docker_too)
    while after != before and time.monotonic() < deadline:
        time.sleep(0.2)
        after = leak_snapshot(docker_too)
    assert after == before, f"{what} leaked: before {before}, after {after}"
