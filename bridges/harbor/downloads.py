"""What a task downloads while it builds or verifies, and whether this server provides it.

``tests/test.sh`` of TB2-style tasks installs uv with ``curl | sh`` and runs ``uvx``;
Dockerfiles run ``pip install`` / ``apt-get install``. Lint reports each against the
serve settings: an error when nothing would provide it (the episode could only score 0),
info when the network (``--network``/``--build-network``) or ``--airgap`` does.
"""

from __future__ import annotations

import re
from typing import Any

from envbridge.bridges.harbor.dockerfile import read_dockerfile
from envbridge.bridges.harbor.task import Task

_UV = re.compile(r"\buvx?\b\s|astral\.sh/uv|\bpip3?\s+install\b")
_APT = re.compile(r"\bapt(?:-get)?\s+install\b|\bapk\s+add\b")
INSTALLS = re.compile(r"\b(apt-get|apt|apk|yum|dnf)\s+install\b|\bpip3?\s+install\b|\buv\s+pip\b")


def verifier_downloads(task: Task) -> tuple[bool, bool]:
    """(uses uv/uvx/pip at verify time, uses apt at verify time)."""
    text = task.test_script.read_text(encoding="utf-8", errors="replace")
    code = "\n".join(line for line in text.splitlines() if not line.lstrip().startswith("#"))
    return bool(_UV.search(code)), bool(_APT.search(code))


def build_installs(task: Task) -> list[int]:
    """Dockerfile lines whose RUN installs packages."""
    if not task.dockerfile.is_file():
        return []
    return [
        instruction.line
        for instruction in read_dockerfile(task.dockerfile)
        if instruction.keyword == "RUN" and INSTALLS.search(instruction.arguments)
    ]


def download_findings(task: Task, backend: str | None, settings: Any) -> list[tuple[str, str, str]]:
    """(rule, severity, message) for what the task downloads, given ``settings``."""
    found: list[tuple[str, str, str]] = []
    uv, apt = verifier_downloads(task)
    network = bool(settings.network) and task.config.environment.network_mode == "public"
    if uv:
        if backend == "local":
            found.append(("verifier-downloads", "error",
                          "tests/test.sh fetches uv/uvx/pip packages at run time; the local "
                          "backend has no network and no air-gapped layer: use --backend "
                          "docker --airgap"))  # fmt: skip
        elif backend == "docker" and settings.airgap:
            found.append(("verifier-downloads", "info",
                          "tests/test.sh fetches uv/uvx/pip packages at run time: provided "
                          "offline by --airgap (uv, local Pythons, a wheelhouse)"))  # fmt: skip
        elif backend == "docker" and not network:
            found.append(("verifier-downloads", "error",
                          "tests/test.sh fetches uv/uvx/pip packages at run time and the "
                          "sandbox has no network: serve with --airgap (offline) or "
                          "--network host"))  # fmt: skip
    if apt and backend is not None and not network:
        found.append(("verifier-apt", "warning",
                      "tests/test.sh runs apt-get/apk install without a network: the "
                      "packages must already be in the image, or the install fails"))  # fmt: skip
    lines = build_installs(task)
    if lines and backend == "docker" and settings.build_network == "none":
        found.append(("build-downloads", "error",
                      f"Dockerfile line(s) {', '.join(map(str, lines))} install packages but "
                      "builds have no network: use --build-network host (and --ca-bundle FILE "
                      "behind a re-signing proxy)"))  # fmt: skip
    return found
