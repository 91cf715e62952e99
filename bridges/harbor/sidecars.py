"""Compose sidecars on the docker backend: ``environment/docker-compose.yaml`` services.

Every service but ``main`` runs in its own container on a private network made for the
episode (internal, so without a route out, unless the episode has a network); each is
reachable from the agent's container by its service name. Services with a ``healthcheck``
are waited for (``healthy``), the others until they run. Everything carries the harbor
labels and is removed with the episode. Supported service keys: ``image``, ``build``
(``context``/``dockerfile``), ``command``, ``entrypoint``, ``environment``,
``healthcheck``, ``working_dir``; for ``main`` only what harbor's own files set
(``build``, ``image``, ``depends_on``); lint lists every other key as ignored.
"""

from __future__ import annotations

import contextlib
import re
import time
import uuid
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

COMPOSE_FILES = ("docker-compose.yaml", "docker-compose.yml", "compose.yaml", "compose.yml")
SUPPORTED = {"image", "build", "command", "entrypoint", "environment", "healthcheck",
             "working_dir", "depends_on", "container_name"}  # fmt: skip
MAIN_SUPPORTED = {"build", "image", "depends_on", "command"}
_DURATION = re.compile(r"(\d+(?:\.\d+)?)(ms|us|ns|s|m|h)")
_UNITS = {"ns": 1e-9, "us": 1e-6, "ms": 1e-3, "s": 1.0, "m": 60.0, "h": 3600.0}


class ComposeError(ValueError):
    """The compose file cannot be used; the message says what to change."""


@dataclass(slots=True)
class Service:
    """One sidecar service."""

    name: str
    image: str | None
    build: Path | None
    dockerfile: str = "Dockerfile"
    command: Any = None
    entrypoint: Any = None
    environment: dict[str, str] = field(default_factory=dict)
    healthcheck: dict[str, Any] | None = None
    working_dir: str | None = None


def compose_file(environment_dir: Path) -> Path | None:
    for name in COMPOSE_FILES:
        if (environment_dir / name).is_file():
            return environment_dir / name
    return None


def read_compose(environment_dir: Path) -> tuple[list[Service], list[str]]:
    """(sidecar services, ``service.key`` entries the bridge ignores)."""
    import yaml

    path = compose_file(environment_dir)
    if path is None:
        return [], []
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
    except yaml.YAMLError as exc:
        raise ComposeError(f"{path.name}: invalid YAML ({exc})") from None
    services = data.get("services") or {}
    if not isinstance(services, dict):
        raise ComposeError(f"{path.name}: 'services' must be a mapping")
    ignored = [f"{key} (top level)" for key in data if key not in ("services", "version")]
    sidecars = []
    for name, spec in services.items():
        spec = spec or {}
        allowed = MAIN_SUPPORTED if name == "main" else SUPPORTED
        ignored += [f"{name}.{key}" for key in spec if key not in allowed]
        if name == "main":
            continue
        build = spec.get("build")
        context, dockerfile = None, "Dockerfile"
        if isinstance(build, str):
            context = environment_dir / build
        elif isinstance(build, dict):
            context = environment_dir / build.get("context", ".")
            dockerfile = build.get("dockerfile", "Dockerfile")
        if context is None and not spec.get("image"):
            raise ComposeError(f"{path.name}: service {name!r} needs 'image' or 'build'")
        if context is not None and not context.resolve().is_relative_to(environment_dir.resolve()):
            raise ComposeError(f"{path.name}: service {name!r} builds outside environment/")
        environment = spec.get("environment") or {}
        if isinstance(environment, list):
            environment = dict(item.partition("=")[::2] for item in environment)
        sidecars.append(
            Service(name, spec.get("image"), context, dockerfile, spec.get("command"),
                    spec.get("entrypoint"), {k: str(v) for k, v in environment.items()},
                    spec.get("healthcheck"), spec.get("working_dir"))
        )  # fmt: skip
    return sidecars, ignored


def seconds(value: Any, default: float) -> float:
    """A compose duration (``1s``, ``500ms``, ``1m30s``, or a number of seconds)."""
    if value is None:
        return default
    if isinstance(value, int | float):
        return float(value)
    parts = _DURATION.findall(str(value))
    if not parts:
        raise ComposeError(f"bad duration {value!r} (like 1s, 500ms, 1m30s)")
    return sum(float(number) * _UNITS[unit] for number, unit in parts)


def _docker_healthcheck(check: dict[str, Any]) -> dict[str, Any]:
    test = check.get("test")
    if isinstance(test, str):
        test = ["CMD-SHELL", test]
    nanos = 1_000_000_000
    return {
        "test": test,
        "interval": int(seconds(check.get("interval"), 1.0) * nanos),
        "timeout": int(seconds(check.get("timeout"), 10.0) * nanos),
        "retries": int(check.get("retries", 30)),
        "start_period": int(seconds(check.get("start_period"), 0.0) * nanos),
    }


class Sidecars:
    """The sidecar containers and private network of one episode."""

    def __init__(self, client: Any, task: str, environment_dir: Path, labels: dict[str, str]):
        self.client = client
        self.task = task
        self.environment_dir = environment_dir
        self.labels = labels
        self.network: Any = None
        self.containers: list[Any] = []

    def start(self, resolve_image: Any, internal: bool, timeout_s: float) -> str:
        """Start every sidecar, wait for them; return the network's name."""
        services, _ = read_compose(self.environment_dir)
        name = f"envbridge-harbor-{uuid.uuid4().hex[:12]}"
        self.network = self.client.networks.create(
            name, driver="bridge", internal=internal, labels=self.labels
        )
        api = self.client.api
        for service in services:
            image = resolve_image(service)
            created = api.create_container(
                image,
                command=service.command,
                entrypoint=service.entrypoint,
                environment=service.environment,
                working_dir=service.working_dir,
                labels={**self.labels, "org.envbridge.harbor.service": service.name},
                healthcheck=_docker_healthcheck(service.healthcheck)
                if service.healthcheck
                else None,
                host_config=api.create_host_config(network_mode=name),
                networking_config=api.create_networking_config(
                    {name: api.create_endpoint_config(aliases=[service.name])}
                ),
                detach=True,
            )
            container = self.client.containers.get(created["Id"])
            self.containers.append(container)
            container.start()
        deadline = time.monotonic() + timeout_s
        for service, container in zip(services, self.containers, strict=True):
            self._wait(service, container, deadline)
        return name

    def _wait(self, service: Service, container: Any, deadline: float) -> None:
        from envbridge.bridges.harbor.backends.base import SandboxError

        while True:
            container.reload()
            state = container.attrs["State"]
            health = (state.get("Health") or {}).get("Status")
            if state.get("Status") == "exited":
                logs = container.logs(tail=20).decode(errors="replace")
                raise SandboxError(f"sidecar {service.name} exited: {logs.strip()[-500:]}")
            if health == "healthy" or (health is None and state.get("Running")):
                return
            if health == "unhealthy":
                raise SandboxError(f"sidecar {service.name} is unhealthy")
            if time.monotonic() > deadline:
                raise SandboxError(f"sidecar {service.name} was not healthy in time")
            time.sleep(0.25)

    def address(self, service: str) -> str | None:
        """``service``'s IP address on the episode network (None: no such service)."""
        for container in self.containers:
            if container.labels.get("org.envbridge.harbor.service") == service:
                return network_ip(container, self.network.name)
        return None

    def stop(self) -> None:
        """Remove every sidecar container and the network (safe to call twice)."""
        for container in self.containers:
            with contextlib.suppress(Exception):  # already gone
                container.remove(force=True)
        self.containers.clear()
        if self.network is not None:
            with contextlib.suppress(Exception):  # already gone
                self.network.remove()
            self.network = None


def network_ip(container: Any, network: str) -> str | None:
    container.reload()
    networks = container.attrs["NetworkSettings"]["Networks"]
    return (networks.get(network) or {}).get("IPAddress") or None
