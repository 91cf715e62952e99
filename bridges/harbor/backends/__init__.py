"""Sandbox backends: ``docker`` (docker-py) and ``local`` (bubblewrap), one interface."""

from __future__ import annotations

from typing import Literal

from envbridge.bridges.harbor.backends.base import (
    ExecResult,
    Sandbox,
    SandboxError,
    SandboxSpec,
)

BackendName = Literal["auto", "docker", "local"]

__all__ = [
    "BackendName",
    "ExecResult",
    "Sandbox",
    "SandboxError",
    "SandboxSpec",
    "choose_backend",
    "create_sandbox",
]


def docker_reachable() -> bool:
    """True when docker-py is installed and an engine answers a ping."""
    from envbridge.docker.engine import engine_reachable

    return engine_reachable()


def choose_backend(requested: BackendName) -> Literal["docker", "local"]:
    """``auto`` becomes docker when an engine is reachable, else local."""
    if requested != "auto":
        return requested
    return "docker" if docker_reachable() else "local"


def create_sandbox(
    backend: Literal["docker", "local"], spec: SandboxSpec, base_images: dict[str, str]
) -> Sandbox:
    """A new, not yet started sandbox of the given backend."""
    if backend == "docker":
        from envbridge.bridges.harbor.backends.docker import DockerSandbox

        return DockerSandbox(spec, base_images)
    from envbridge.bridges.harbor.backends.local import LocalSandbox

    return LocalSandbox(spec)
