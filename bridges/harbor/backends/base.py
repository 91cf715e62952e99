"""The sandbox interface both backends implement: start, exec, upload, download, stop.

Paths are the container's absolute paths (``/app``, ``/logs/verifier``, ``/tests``).
Every operation that writes as root goes through the sandbox itself, never through a
host path an agent could have replaced with a symlink; what the agent writes is written
as the agent user, never by root on its behalf.
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

TASK_CAPABILITIES = {
    "CHOWN": "root manages files of the task's users (tests/ upload, /logs/verifier)",
    "DAC_OVERRIDE": "root reads and replaces files of the task's users",
    "FOWNER": "root changes modes of files it does not own (chmod +x /tests/test.sh)",
    "FSETID": "root keeps set-gid bits while it copies and chowns",
    "SETUID": "switching to the task's users (su, runuser, setpriv)",
    "SETGID": "switching to the task's groups",
    "KILL": "root stops processes of the task's users (test.sh stopping a server)",
    "NET_BIND_SERVICE": "servers of a task on ports below 1024 (nginx on :80)",
}
"""The only capabilities root keeps in a task's sandbox (docker and local), and why.
Docker's defaults also grant MKNOD, NET_RAW, SETFCAP, SETPCAP, SYS_CHROOT, AUDIT_WRITE."""

WRITE_AS_USER = 'mkdir -p -- "$(dirname -- "$EB_TARGET")" && cat > "$EB_TARGET"'
"""``write_file``'s command, run as the agent user with the content on stdin."""


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
    def write_file(self, path: str, data: bytes, *, user: str | int) -> ExecResult:
        """Create or replace ``path`` as ``user`` (parents created as ``user``): only what
        ``user`` could write with ``exec``, owned by ``user``. Nothing is staged where
        the sandbox can reach it."""

    @abstractmethod
    def stop_processes(self) -> None:
        """Kill every process running in the sandbox (the agent's background ones too) and
        check none survived; raise :class:`SandboxError` otherwise. Files are kept."""

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
