"""Shared pieces of the harbor bridge tests: the sample tasks, agents, leak counters."""

from __future__ import annotations

import os
import shutil
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
EPISODE_TASK_IDS = [
    "agent-user-scripts", "csv-report", "hello-file", "ledger-current-schema", "nginx-log-triage",
]  # fmt: skip
"""The tasks the episode/wire/client tests serve as one folder (both backends run them)."""
BASE_IMAGE = "envbridge/base:py3"
BASE_IMAGES = {"python:3.12-slim": BASE_IMAGE, "ubuntu:24.04": BASE_IMAGE}


def oracle_agent(env: Any, task: Task) -> None:
    """Harbor's oracle, as an agent: upload solution/ through write_file, run solve.sh."""
    from envbridge.bridges.harbor.oracle import oracle_agent as run_oracle

    run_oracle(env, task)


def corpus_options(backend: str) -> dict[str, Any]:
    """Serve options for the corpus on ``backend``."""
    if backend == "local":
        return {"backend": "local"}
    options: dict[str, Any] = {"backend": "docker", "airgap": True, "build_network": "host"}
    if Path(CA_BUNDLE).is_file():  # this machine's HTTPS goes through a re-signing proxy
        options["ca_bundle"] = CA_BUNDLE
    return options  # FROM images resolve to the local stand-ins


CA_BUNDLE = "/etc/ssl/certs/ca-certificates.crt"


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


def harbor_networks() -> list[str]:
    """Sidecar networks the docker backend created in this process."""
    import docker

    client = docker.from_env()
    try:
        mine = [CONTAINER_LABEL, f"{OWNER_LABEL}={os.getpid()}"]
        return sorted(n.name for n in client.networks.list(filters={"label": mine}))
    finally:
        client.close()


def leak_snapshot(docker_too: bool) -> dict[str, list[str]]:
    snapshot = {"processes": sandbox_processes(), "dirs": sandbox_dirs()}
    if docker_too:
        snapshot["containers"] = harbor_containers()
        snapshot["networks"] = harbor_networks()
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


def episode_tasks_dir() -> Path:
    """A folder of symlinks to :data:`EPISODE_TASK_IDS` (made once per process).

    The corpus in envs/harbor grows with tasks only one backend can run; the tests of
    episodes, the wire and the clients serve this fixed set instead.
    """
    global _EPISODE_DIR
    if _EPISODE_DIR is None:
        import atexit
        import shutil

        folder = Path(tempfile.mkdtemp(prefix="harbor-episode-tasks-", dir="/tmp"))
        for task_id in EPISODE_TASK_IDS:
            (folder / task_id).symlink_to(TASKS_DIR / task_id)
        atexit.register(shutil.rmtree, folder, True)
        _EPISODE_DIR = folder
    return _EPISODE_DIR


_EPISODE_DIR: Path | None = None


def stdio_mcp_task(root: Path, server_command: str = "/opt/notes_mcp.py") -> Path:
    """A task whose ``notes`` MCP server is a stdio process in the main container,
    run as the agent user ``clerk``."""
    (root / "environment").mkdir(parents=True)
    (root / "tests").mkdir()
    shutil.copy(
        TASKS_DIR / "mcp-notes-sidecar" / "environment" / "notes" / "notes_mcp.py",
        root / "environment" / "notes_mcp.py",
    )
    (root / "environment" / "Dockerfile").write_text(
        "FROM python:3.12-slim\nRUN useradd -m clerk\nCOPY notes_mcp.py /opt/notes_mcp.py\n"
        "ENV NOTES_SECRET=stdio-secret-9\nWORKDIR /home/clerk\n"
    )
    (root / "tests" / "test.sh").write_text("echo 0 > /logs/verifier/reward.txt\n")
    (root / "instruction.md").write_text("Use the notes tools.\n")
    (root / "task.toml").write_text(
        'schema_version = "1.4"\n[agent]\nuser = "clerk"\n[environment]\n'
        '[[environment.mcp_servers]]\nname = "notes"\ntransport = "stdio"\n'
        f'command = "python3"\nargs = ["{server_command}", "--stdio"]\n'
    )
    return root
