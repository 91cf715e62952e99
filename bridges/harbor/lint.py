"""``envbridge harbor lint``: what the bridge cannot honour, before an episode starts.

Each finding has a rule name, a severity (``error`` blocks serving the task, ``warning``
and ``info`` do not) and a message that says what to do.
"""

from __future__ import annotations

import re
from dataclasses import asdict, dataclass
from typing import Any, Literal

from envbridge.bridges.harbor.config import unknown_keys
from envbridge.bridges.harbor.dockerfile import from_images, read_dockerfile
from envbridge.bridges.harbor.downloads import download_findings
from envbridge.bridges.harbor.fields import Backend, not_honoured
from envbridge.bridges.harbor.host_tools import missing_on_host
from envbridge.bridges.harbor.task import Task

Severity = Literal["error", "warning", "info"]

_INSTALLS = re.compile(r"\b(apt-get|apt|apk|yum|dnf)\s+install\b|\bpip3?\s+install\b|\buv\s+pip\b")


@dataclass(frozen=True, slots=True)
class Finding:
    rule: str
    severity: Severity
    message: str

    def as_dict(self) -> dict[str, str]:
        return asdict(self)


def lint_task(task: Task, backend: Backend | None = None, settings: Any = None) -> list[Finding]:
    """Every finding for ``task``; backend-specific checks when ``backend`` is given.

    ``settings`` (serve options, ``HarborSettings``) say what the server provides: a
    network, builds with a network, the air-gapped layer.
    """
    from envbridge.bridges.harbor.settings import HarborSettings

    settings = settings if settings is not None else HarborSettings()
    findings = _format_findings(task) + _environment_findings(task, backend)
    findings += _field_findings(task, backend)
    findings += [Finding(*found) for found in download_findings(task, backend, settings)]
    if backend == "local":
        findings += _local_findings(task)
    return findings


def errors(findings: list[Finding]) -> list[Finding]:
    return [finding for finding in findings if finding.severity == "error"]


def _format_findings(task: Task) -> list[Finding]:
    findings = [
        Finding(
            "unknown-config-field",
            "warning",
            f"task.toml: unknown key {key!r} (harbor ignores it silently; check the spelling)",
        )
        for key in unknown_keys(task.config)
    ]
    if not task.solve_script.is_file():
        findings.append(
            Finding("no-solution", "info", "no solution/solve.sh: the oracle cannot be checked")
        )
    return findings


_WARN_IGNORED = frozenset({"skills-dir", "verifier-network", "local-prebuilt-image"})
"""Ignored fields that change what the agent or verifier sees (the rest are info)."""


def _field_findings(task: Task, backend: Backend | None) -> list[Finding]:
    """One finding per task.toml field the task uses that the bridge does not honour."""
    findings = []
    for path, rule, verdict, why in not_honoured(task.config, backend):
        if verdict == "refused":
            findings.append(Finding(rule, "error", f"{path}: not supported: {why}"))
        else:
            severity: Severity = "warning" if rule in _WARN_IGNORED else "info"
            findings.append(Finding(rule, severity, f"{path} is ignored: {why}"))
    return findings


def _compose_findings(task: Task, backend: Backend | None) -> list[Finding]:
    from envbridge.bridges.harbor.sidecars import ComposeError, compose_file, read_compose

    if compose_file(task.environment_dir) is None:
        return []
    try:
        services, ignored = read_compose(task.environment_dir)
    except ComposeError as exc:
        return [Finding("compose-sidecars", "error", str(exc))]
    if backend == "local":
        return [Finding("compose-sidecars", "error",
                        "compose sidecar services need --backend docker (the local backend "
                        "runs one sandbox)")]  # fmt: skip
    names = ", ".join(service.name for service in services) or "none"
    findings = [Finding("compose-sidecars", "info",
                        f"sidecars {names} start on a private network per episode, reachable "
                        "by service name, health-waited, removed with the episode")]  # fmt: skip
    if ignored:
        findings.append(Finding("compose-ignored", "warning",
                                f"compose keys not applied: {', '.join(ignored)}"))  # fmt: skip
    return findings


def _mcp_findings(task: Task, backend: Backend | None) -> list[Finding]:
    """Where each ``mcp_servers`` entry is reached; errors for what reset would refuse."""
    from envbridge.bridges.harbor.mcp_servers import server_problems, tool_name

    servers = task.config.environment.mcp_servers
    if not servers or backend == "local":  # local: the field row refuses them
        return []
    problems = server_problems(task)
    if problems:
        return [Finding("mcp-servers", "error", problem) for problem in problems]
    names = ", ".join(f"{s.name} ({s.transport})" for s in servers)
    return [Finding("mcp-servers", "info",
                    f"MCP servers {names} are connected at reset (docker); their tools are "
                    f"offered as {tool_name('<server>', '<tool>')}")]  # fmt: skip


def _environment_findings(task: Task, backend: Backend | None = None) -> list[Finding]:
    findings = _compose_findings(task, backend) + _mcp_findings(task, backend)
    if not task.dockerfile.is_file() and task.config.environment.docker_image is None:
        findings.append(
            Finding(
                "no-dockerfile",
                "error",
                "environment/Dockerfile is missing and [environment].docker_image is unset",
            )
        )
    return findings


def _local_findings(task: Task) -> list[Finding]:
    findings: list[Finding] = []
    if task.dockerfile.is_file():
        instructions = read_dockerfile(task.dockerfile)
        if len(from_images(instructions)) > 1 or any(i.flags.get("from") for i in instructions):
            findings.append(
                Finding(
                    "local-multi-stage", "error", "multi-stage Dockerfiles need --backend docker"
                )
            )
        for instruction in instructions:
            if instruction.keyword == "RUN" and _INSTALLS.search(instruction.arguments):
                findings.append(
                    Finding(
                        "local-run-install",
                        "error",
                        f"Dockerfile line {instruction.line} installs packages; the local backend "
                        "has no network and runs RUN on the host userland, so the install will "
                        "fail: bake the tools into the host, or use --backend docker",
                    )
                )
    for script in (task.test_script, task.solve_script):
        if not script.is_file():
            continue
        for tool in missing_on_host(script.read_text(encoding="utf-8", errors="replace")):
            findings.append(
                Finding(
                    "host-tool-missing",
                    "error",
                    f"{script.relative_to(task.path)} runs {tool}, which the host lacks; the "
                    "local backend uses the host's userland: install it on the host (for "
                    "pytest: apt-get install python3-pytest) or use --backend docker",
                )
            )
    return findings
