"""``envbridge harbor lint``: what the bridge cannot honour, before an episode starts.

Each finding has a rule name, a severity (``error`` blocks serving the task, ``warning``
and ``info`` do not) and a message that says what to do.
"""

from __future__ import annotations

import re
from dataclasses import asdict, dataclass
from typing import Literal

from envbridge.bridges.harbor.config import unknown_keys
from envbridge.bridges.harbor.dockerfile import from_images, read_dockerfile
from envbridge.bridges.harbor.host_tools import missing_on_host
from envbridge.bridges.harbor.task import Task

Severity = Literal["error", "warning", "info"]

_COMPOSE_FILES = ("docker-compose.yaml", "docker-compose.yml", "compose.yaml", "compose.yml")
_INSTALLS = re.compile(r"\b(apt-get|apt|apk|yum|dnf)\s+install\b|\bpip3?\s+install\b|\buv\s+pip\b")


@dataclass(frozen=True, slots=True)
class Finding:
    rule: str
    severity: Severity
    message: str

    def as_dict(self) -> dict[str, str]:
        return asdict(self)


def lint_task(task: Task, backend: Literal["docker", "local"] | None = None) -> list[Finding]:
    """Every finding for ``task``; backend-specific checks when ``backend`` is given."""
    findings = _format_findings(task) + _unsupported_features(task)
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


def _unsupported_features(task: Task) -> list[Finding]:
    config = task.config
    env = config.environment
    checks: list[tuple[bool, str, str]] = [
        (config.steps is not None, "multi-step", "multi-step tasks ([[steps]]) are not supported"),
        (
            any((task.environment_dir / name).exists() for name in _COMPOSE_FILES),
            "compose-sidecars",
            "environment/docker-compose.yaml (sidecar services) is not supported; "
            "fold what the task needs into environment/Dockerfile",
        ),
        (
            config.verifier.separate,
            "separate-verifier",
            "separate verifier containers are not supported: set "
            '[verifier].environment_mode = "shared"',
        ),
        (
            "allowlist"
            in {env.network_mode, config.agent.network_mode, config.verifier.network_mode},
            "network-allowlist",
            "network allow-lists cannot be enforced; use network_mode 'public' or 'no-network'",
        ),
        (
            bool(config.verifier.collect),
            "verifier-collect",
            "[[verifier.collect]] hooks are not run",
        ),
        (env.gpus is not None or env.tpu is not None, "accelerators", "gpus/tpu are not supported"),
        (env.os == "windows", "windows", "windows tasks are not supported"),
        (
            not task.dockerfile.is_file() and env.docker_image is None,
            "no-dockerfile",
            "environment/Dockerfile is missing and [environment].docker_image is unset",
        ),
    ]
    findings = [Finding(rule, "error", message) for failed, rule, message in checks if failed]
    if env.mcp_servers:
        findings.append(
            Finding("mcp-servers", "warning", "[environment].mcp_servers are not started")
        )
    if env.skills_dir:
        findings.append(
            Finding("skills-dir", "warning", "[environment].skills_dir is not uploaded")
        )
    if config.artifacts:
        findings.append(Finding("artifacts", "info", "artifacts are not collected by the bridge"))
    if env.storage_mb is not None:
        findings.append(
            Finding("storage", "info", "storage_mb is ignored (as harbor's docker does)")
        )
    return findings


def _local_findings(task: Task) -> list[Finding]:
    findings: list[Finding] = []
    env = task.config.environment
    if env.cpus is not None or env.memory_mb is not None:
        findings.append(
            Finding("local-resources", "info", "the local backend does not enforce cpus/memory_mb")
        )
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
                        "warning",
                        f"Dockerfile line {instruction.line} installs packages; the local backend "
                        "has no network and runs RUN on the host userland, so the install will "
                        "fail: bake the tools into the host, or use --backend docker",
                    )
                )
    elif env.docker_image:
        findings.append(
            Finding(
                "local-prebuilt-image",
                "warning",
                f"the local backend cannot run the image {env.docker_image}; "
                "its tools must exist on the host",
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
