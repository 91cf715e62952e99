"""What the bridge does with every ``task.toml`` field: honoured, ignored, or refused.

:data:`FIELDS` has one entry per field of harbor's schema (sub-tables whose fields share
one fate, such as ``[environment.healthcheck]``, have one entry for the table). ``lint``
turns every entry that is not honoured, and that the task actually uses, into a finding
naming the field and saying why; ``envbridge harbor lint --fields`` prints the table.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Literal

from envbridge.bridges.harbor.config import TaskConfig

Verdict = Literal["honoured", "ignored", "refused"]
Backend = Literal["docker", "local"]


@dataclass(frozen=True, slots=True)
class FieldUse:
    """One field's fate: the verdict, what the bridge does, and when it matters."""

    verdict: Verdict
    how: str
    used: Callable[[TaskConfig], bool] | None = None
    """True when the task uses the field in a way that hits ``verdict`` (None: honoured)."""
    rule: str = ""
    local: tuple[Verdict, str] | None = None
    """A different verdict on the local backend (verdict, why)."""


def _env(config: TaskConfig):
    return config.environment


def _phase_network_differs(config: TaskConfig) -> bool:
    mode = config.verifier.network_mode
    return mode is not None and mode != (config.agent.network_mode or _env(config).network_mode)


FIELDS: dict[str, FieldUse] = {
    "schema_version": FieldUse("honoured", "read; every 1.x schema parses (legacy `version` too)"),
    "task": FieldUse(
        "honoured", "name/version/description/authors/keywords in reset's metadata (`package`)"
    ),
    "metadata": FieldUse("honoured", "in reset's metadata (`task_metadata`)"),
    "source": FieldUse("honoured", "in reset's metadata (`source`)"),
    "multi_step_reward_strategy": FieldUse(
        "refused",
        "multi-step tasks are not supported",
        lambda c: c.multi_step_reward_strategy is not None,
        "multi-step",
    ),
    "steps": FieldUse(
        "refused",
        "multi-step tasks ([[steps]]) are not supported",
        lambda c: c.steps is not None,
        "multi-step",
    ),
    "artifacts": FieldUse(
        "ignored",
        "not collected: an episode returns rewards and the test output only",
        lambda c: bool(c.artifacts),
        "artifacts",
    ),
    "agent.timeout_sec": FieldUse("honoured", "the episode submits itself when it has passed"),
    "agent.user": FieldUse("honoured", "every exec/read_file/write_file runs as this user"),
    "agent.network_mode": FieldUse(
        "refused",
        "allow-lists cannot be enforced; 'public' and 'no-network' are honoured",
        lambda c: c.agent.network_mode == "allowlist",
        "network-allowlist",
    ),
    "agent.allowed_hosts": FieldUse(
        "refused",
        "allow-lists cannot be enforced",
        lambda c: c.agent.allowed_hosts is not None,
        "network-allowlist",
    ),
    "verifier.timeout_sec": FieldUse("honoured", "test.sh is killed after it"),
    "verifier.env": FieldUse("honoured", "set for test.sh only (never for the agent)"),
    "verifier.user": FieldUse("honoured", "test.sh runs as this user"),
    "verifier.network_mode": FieldUse(
        "ignored",
        "the verifier runs in the agent's container, with the network the episode has "
        "(one network setting per episode)",
        _phase_network_differs,
        "verifier-network",
    ),
    "verifier.allowed_hosts": FieldUse(
        "refused",
        "allow-lists cannot be enforced",
        lambda c: c.verifier.allowed_hosts is not None,
        "network-allowlist",
    ),
    "verifier.environment_mode": FieldUse(
        "refused",
        'separate verifier containers are not supported: set environment_mode = "shared"',
        lambda c: c.verifier.separate,
        "separate-verifier",
    ),
    "verifier.environment": FieldUse(
        "refused",
        "separate verifier containers are not supported",
        lambda c: c.verifier.environment is not None,
        "separate-verifier",
    ),
    "verifier.collect": FieldUse(
        "refused",
        "[[verifier.collect]] hooks are not run",
        lambda c: bool(c.verifier.collect),
        "verifier-collect",
    ),
    "environment.network_mode": FieldUse(
        "refused",
        "'no-network' never gets a network; 'public' gets one when the server is started "
        "with --network; 'allowlist' cannot be enforced",
        lambda c: _env(c).network_mode == "allowlist",
        "network-allowlist",
    ),
    "environment.allowed_hosts": FieldUse(
        "refused",
        "allow-lists cannot be enforced",
        lambda c: _env(c).allowed_hosts is not None,
        "network-allowlist",
    ),
    "environment.build_timeout_sec": FieldUse("honoured", "bounds the image build / local RUNs"),
    "environment.docker_image": FieldUse(
        "honoured",
        "docker: used when the image exists locally, else environment/Dockerfile is built",
        local=("ignored", "the local backend cannot run an image: its tools must be on the host"),
        used=lambda c: _env(c).docker_image is not None,
        rule="local-prebuilt-image",
    ),
    "environment.os": FieldUse(
        "refused", "windows tasks are not supported", lambda c: _env(c).os == "windows", "windows"
    ),
    "environment.cpus": FieldUse(
        "honoured",
        "docker: a CPU quota",
        local=("ignored", "the local backend does not limit CPUs"),
        used=lambda c: _env(c).cpus is not None,
        rule="local-resources",
    ),
    "environment.memory_mb": FieldUse(
        "honoured",
        "docker: a memory limit",
        local=("ignored", "the local backend does not limit memory"),
        used=lambda c: _env(c).memory_mb is not None,
        rule="local-resources",
    ),
    "environment.storage_mb": FieldUse(
        "ignored",
        "Docker cannot cap a container's disk without XFS quotas (harbor's docker ignores it too)",
        lambda c: _env(c).storage_mb is not None,
        "storage",
    ),
    "environment.gpus": FieldUse(
        "refused",
        "no accelerators here: gpus > 0 cannot be met (gpus = 0 means none and is fine)",
        lambda c: bool(_env(c).gpus),
        "accelerators",
    ),
    "environment.gpu_types": FieldUse(
        "ignored",
        "no GPU is requested (gpus is 0 or unset), so the accepted GPU types do not matter",
        lambda c: bool(_env(c).gpu_types) and not _env(c).gpus,
        "gpu-types",
    ),
    "environment.tpu": FieldUse(
        "refused",
        "no accelerators here: a TPU slice cannot be met",
        lambda c: _env(c).tpu is not None,
        "accelerators",
    ),
    "environment.mcp_servers": FieldUse(
        "honoured",
        "(docker) connected at reset, their tools offered as <server>__<tool> next to "
        "exec/read_file/write_file/submit; closed before the verifier runs",
        lambda c: bool(_env(c).mcp_servers),
        "mcp-servers",
        local=(
            "refused",
            "MCP servers need --backend docker (stdio servers run in the "
            "task's container, HTTP ones are compose sidecars)",
        ),
    ),
    "environment.env": FieldUse("honoured", "set for every command in the sandbox"),
    "environment.skills_dir": FieldUse(
        "ignored",
        "skills are not registered with an agent (the agent may read the folder with exec)",
        lambda c: _env(c).skills_dir is not None,
        "skills-dir",
    ),
    "environment.healthcheck": FieldUse(
        "honoured", "reset waits for it (harbor's start period, interval and retries)"
    ),
    "environment.workdir": FieldUse("honoured", "the working directory of every command"),
    "environment.allow_internet": FieldUse("honoured", "migrated to network_mode, as harbor does"),
    "solution.env": FieldUse("honoured", "set for solve.sh by the oracle runner only"),
}


def field_verdict(path: str, backend: Backend | None) -> tuple[Verdict, str]:
    """The verdict on ``path`` (a key of :data:`FIELDS`) for ``backend``."""
    use = FIELDS[path]
    if backend == "local" and use.local is not None:
        return use.local
    return use.verdict, use.how


def not_honoured(
    config: TaskConfig, backend: Backend | None
) -> list[tuple[str, str, Verdict, str]]:
    """(field, rule, verdict, why) for every field ``config`` uses that is not honoured."""
    found = []
    for path, use in FIELDS.items():
        verdict, why = field_verdict(path, backend)
        if verdict == "honoured" or use.used is None or not use.used(config):
            continue
        found.append((path, use.rule, verdict, why))
    return found
