"""The sandbox interface both backends implement: start, exec, upload, download, stop.

Paths are the container's absolute paths (``/app``, ``/logs/verifier``, ``/tests``).
Every operation that writes as root goes through the sandbox itself, never through a
host path an agent could have replaced with a symlink.
"""

from __future__ import annotations

import threading
from abc import ABC, abstractmethod
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import IO, Any

DEFAULT_OUTPUT_LIMIT = 64 * 1024
"""Bytes of stdout (and of stderr) an exec keeps; the rest is dropped and flagged."""

ROOT_USER = "root"


class SandboxError(RuntimeError):
    """A sandbox could not start or an operation on it failed; the message says why."""


@dataclass(slots=True)
class ExecResult:
    """What one command produced (output capped, decoded as UTF-8 with replacement)."""

    stdout: str
    stderr: str
    exit_code: int | None
    timed_out: bool = False
    truncated: bool = False

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)


@dataclass(slots=True)
class SandboxSpec:
    """What a task asks of its sandbox, backend-neutral."""

    environment_dir: Path
    workdir: str | None
    env: dict[str, str] = field(default_factory=dict)
    cpus: float | None = None
    memory_mb: int | None = None
    network: bool = False
    build_timeout_s: float = 600.0
    docker_image: str | None = None
    name: str = "task"
    network_driver: str = "bridge"
    """Docker network of a sandbox that has one (``bridge`` or ``host``)."""
    build: Any = None
    """Build-time network, CA and air-gap plan (``networking.NetworkPlan``, ``airgap``)."""


class Sandbox(ABC):
    """One episode's isolated filesystem and processes."""

    backend_name: str = ""

    @abstractmethod
    def start(self) -> None:
        """Build/prepare and start; ``/logs/{agent,verifier,artifacts}`` exist afterwards."""

    @abstractmethod
    def exec(
        self,
        command: str,
        *,
        user: str | int | None = None,
        cwd: str | None = None,
        env: dict[str, str] | None = None,
        timeout_s: float = 60.0,
        output_limit: int = DEFAULT_OUTPUT_LIMIT,
    ) -> ExecResult:
        """Run ``bash -c command``; kill its whole process group after ``timeout_s``."""

    @abstractmethod
    def upload_dir(self, source: Path, target: str) -> None:
        """Copy the contents of host folder ``source`` into ``target`` (root-owned)."""

    @abstractmethod
    def write_bytes(self, path: str, data: bytes) -> None:
        """Create or replace file ``path`` (as root, parents created)."""

    @abstractmethod
    def read_bytes(self, path: str, limit: int) -> bytes | None:
        """Up to ``limit`` bytes of file ``path`` (as root); None when it does not exist."""

    @abstractmethod
    def stop(self) -> None:
        """Kill everything and delete the sandbox; safe to call twice."""

    @property
    @abstractmethod
    def default_user(self) -> str | int:
        """The image's USER (root when the Dockerfile sets none)."""

    @property
    @abstractmethod
    def default_workdir(self) -> str:
        """``[environment].workdir``, else the image's WORKDIR, else ``/``."""


class CappedReader:
    """Drains a pipe in a thread, keeping the first ``limit`` bytes."""

    def __init__(self, stream: IO[bytes], limit: int):
        self.limit = limit
        self.kept = bytearray()
        self.truncated = False
        self._stream = stream
        self._thread = threading.Thread(target=self._drain, daemon=True)
        self._thread.start()

    def _drain(self) -> None:
        while chunk := self._stream.read(65536):
            room = self.limit - len(self.kept)
            if len(chunk) > room:
                self.truncated = True
            if room > 0:
                self.kept += chunk[:room]
        self._stream.close()

    def result(self, timeout_s: float = 5.0) -> bytes:
        """The kept bytes, once the pipe closed (or ``timeout_s`` passed)."""
        self._thread.join(timeout_s)
        return bytes(self.kept)


def decode(data: bytes) -> str:
    return data.decode("utf-8", errors="replace")
