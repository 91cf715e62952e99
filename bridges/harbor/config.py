"""Our own pydantic models of harbor's ``task.toml`` (schema 1.x, as of harbor 0.26).

Unknown keys are kept (``extra="allow"``) so :func:`unknown_keys` can report them: harbor
ignores them silently, which turns a typo such as ``timeout_secs`` into a 600 s default.
Legacy spellings harbor still accepts are migrated the way harbor migrates them.
"""

from __future__ import annotations

import re
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

NetworkMode = Literal["no-network", "public", "allowlist"]
_PACKAGE_NAME = re.compile(r"^[a-zA-Z0-9][a-zA-Z0-9._-]*/[a-zA-Z0-9][a-zA-Z0-9._-]*$")
_SIZE = re.compile(r"^\s*(\d+(?:\.\d+)?)\s*([kmgt]?)i?b?\s*$", re.IGNORECASE)
_MB_PER_UNIT = {"": 1 / (1024 * 1024), "k": 1 / 1024, "m": 1, "g": 1024, "t": 1024 * 1024}


class _Model(BaseModel):
    model_config = ConfigDict(extra="allow")


class Author(_Model):
    name: str
    email: str | None = None


class PackageInfo(_Model):
    """``[task]``: the task's registry identity."""

    name: str
    version: str | None = Field(default=None, min_length=1)
    description: str = ""
    authors: list[Author] = Field(default_factory=list)
    keywords: list[str] = Field(default_factory=list)

    @field_validator("name")
    @classmethod
    def _org_slash_name(cls, value: str) -> str:
        if not _PACKAGE_NAME.match(value) or ".." in value:
            raise ValueError(f"[task].name must look like 'org/name', got {value!r}")
        return value


class _PhaseNetwork(_Model):
    network_mode: NetworkMode | None = None
    allowed_hosts: list[str] | None = None

    @model_validator(mode="after")
    def _hosts_need_allowlist(self) -> _PhaseNetwork:
        if self.allowed_hosts is not None and self.network_mode != "allowlist":
            raise ValueError('allowed_hosts needs network_mode = "allowlist"')
        return self


class AgentConfig(_PhaseNetwork):
    """``[agent]``: timeout (None = unlimited) and the user the agent runs as."""

    timeout_sec: float | None = None
    user: str | int | None = None


class HealthcheckConfig(_Model):
    command: str
    interval_sec: float = 5.0
    timeout_sec: float = 30.0
    start_period_sec: float = 0.0
    start_interval_sec: float = 5.0
    retries: int = 3


class MCPServerConfig(_Model):
    """``[[environment.mcp_servers]]``: a server the agent may use (url or command)."""

    name: str
    transport: Literal["stdio", "sse", "streamable-http"] = "sse"
    url: str | None = None
    command: str | None = None
    args: list[str] = Field(default_factory=list)
    headers: dict[str, str] = Field(default_factory=dict)

    @field_validator("transport", mode="before")
    @classmethod
    def _legacy_http(cls, value: Any) -> Any:
        return "streamable-http" if value == "http" else value

    @model_validator(mode="after")
    def _endpoint(self) -> MCPServerConfig:
        if self.transport == "stdio":
            if not self.command:
                raise ValueError("an MCP server with transport 'stdio' needs 'command'")
            if self.headers:
                raise ValueError("'headers' only apply to HTTP MCP transports")
        elif not self.url:
            raise ValueError(f"an MCP server with transport {self.transport!r} needs 'url'")
        return self


class TpuSpec(_Model):
    type: str
    topology: str


class EnvironmentConfig(_Model):
    """``[environment]``: image, resources, network, env vars and workdir."""

    network_mode: NetworkMode = "public"
    allowed_hosts: list[str] | None = None
    build_timeout_sec: float = 600.0
    docker_image: str | None = None
    os: Literal["linux", "windows"] = "linux"
    cpus: int | float | None = None
    memory_mb: int | None = None
    storage_mb: int | None = None
    gpus: int | None = None
    gpu_types: list[str] | None = None
    tpu: TpuSpec | None = None
    mcp_servers: list[MCPServerConfig] = Field(default_factory=list)
    env: dict[str, str] = Field(default_factory=dict)
    skills_dir: str | None = None
    healthcheck: HealthcheckConfig | None = None
    workdir: str | None = None

    @field_validator("os", mode="before")
    @classmethod
    def _lower_os(cls, value: Any) -> Any:
        return value.lower() if isinstance(value, str) else value

    @field_validator("cpus")
    @classmethod
    def _finite_cpus(cls, value: int | float | None) -> int | float | None:
        if isinstance(value, float):
            if value != value or value in (float("inf"), float("-inf")):
                raise ValueError(f"cpus must be a finite number, got {value}")
            return int(value) if value.is_integer() else value
        return value

    @property
    def accelerators(self) -> bool:
        """True when the task asks for a GPU or TPU (``gpus = 0`` asks for none)."""
        return bool(self.gpus) or self.tpu is not None

    @model_validator(mode="before")
    @classmethod
    def _migrate_legacy(cls, data: Any) -> Any:
        if not isinstance(data, dict):
            return data
        data = dict(data)
        allow_internet = data.pop("allow_internet", None)
        if allow_internet is not None and "network_mode" not in data:
            data["network_mode"] = "public" if allow_internet else "no-network"
        for legacy, field in (("memory", "memory_mb"), ("storage", "storage_mb")):
            if legacy not in data:
                continue
            size = _size_to_mb(data.pop(legacy), legacy)
            if data.get(field, size) != size:
                raise ValueError(
                    f"[environment].{legacy} ({size} MB) and {field} ({data[field]}) disagree"
                )
            data[field] = size
        return data

    @model_validator(mode="after")
    def _hosts_need_allowlist(self) -> EnvironmentConfig:
        if self.allowed_hosts is not None and self.network_mode != "allowlist":
            raise ValueError('allowed_hosts needs network_mode = "allowlist"')
        return self


class VerifierCollectConfig(_Model):
    command: str
    service: str = "main"
    timeout_sec: float = 60.0
    user: str | int | None = None


class VerifierConfig(_PhaseNetwork):
    """``[verifier]``: how ``tests/test.sh`` runs (timeout, env, user, mode)."""

    timeout_sec: float = 600.0
    env: dict[str, str] = Field(default_factory=dict)
    user: str | int | None = None
    environment_mode: Literal["shared", "separate"] | None = None
    environment: EnvironmentConfig | None = None
    collect: list[VerifierCollectConfig] = Field(default_factory=list)

    @model_validator(mode="after")
    def _shared_has_no_image(self) -> VerifierConfig:
        if self.environment_mode == "shared" and self.environment is not None:
            raise ValueError('environment_mode = "shared" cannot have [verifier.environment]')
        return self

    @property
    def separate(self) -> bool:
        """True when harbor would verify in a separate container."""
        if self.environment_mode is None:
            return self.environment is not None
        return self.environment_mode == "separate"


class SolutionConfig(_Model):
    env: dict[str, str] = Field(default_factory=dict)


class ArtifactConfig(_Model):
    source: str
    destination: str | None = None
    exclude: list[str] = Field(default_factory=list)
    service: str | None = None


class StepConfig(_Model):
    name: str
    agent: AgentConfig = Field(default_factory=AgentConfig)
    verifier: VerifierConfig = Field(default_factory=VerifierConfig)
    min_reward: float | dict[str, float] | None = None
    healthcheck: HealthcheckConfig | None = None
    artifacts: list[str | ArtifactConfig] = Field(default_factory=list)


class TaskConfig(_Model):
    """The whole ``task.toml``."""

    schema_version: str = "1.4"
    task: PackageInfo | None = None
    metadata: dict[str, Any] = Field(default_factory=dict)
    verifier: VerifierConfig = Field(default_factory=VerifierConfig)
    agent: AgentConfig = Field(default_factory=AgentConfig)
    environment: EnvironmentConfig = Field(default_factory=EnvironmentConfig)
    solution: SolutionConfig = Field(default_factory=SolutionConfig)
    source: str | None = None
    multi_step_reward_strategy: Literal["mean", "final"] | None = None
    steps: list[StepConfig] | None = None
    artifacts: list[str | ArtifactConfig] = Field(default_factory=list)

    @model_validator(mode="before")
    @classmethod
    def _migrate_version(cls, data: Any) -> Any:
        if isinstance(data, dict) and "version" in data and "schema_version" not in data:
            data = dict(data)
            data["schema_version"] = str(data.pop("version"))
        return data


def _size_to_mb(value: Any, key: str) -> int:
    if isinstance(value, int | float):
        return int(value)
    match = _SIZE.match(str(value))
    if not match:
        raise ValueError(f"[environment].{key} = {value!r} is not a size like '2G' or '512M'")
    number, unit = match.groups()
    return int(float(number) * _MB_PER_UNIT[unit.lower()])


def unknown_keys(model: BaseModel, prefix: str = "") -> list[str]:
    """Dotted paths of every key harbor does not define (``metadata`` is free-form)."""
    found = [f"{prefix}{key}" for key in (model.model_extra or {})]
    for name, value in model:
        if name == "metadata":
            continue
        items = value if isinstance(value, list) else [value]
        for index, item in enumerate(items):
            if isinstance(item, BaseModel):
                where = (
                    f"{prefix}{name}[{index}]." if isinstance(value, list) else f"{prefix}{name}."
                )
                found.extend(unknown_keys(item, where))
    return found
