"""Server side of the local sandbox's supervisor (:mod:`.local_supervisor`).

The supervisor is started once per sandbox (after a reset, and again after
``stop_processes`` killed the whole sandbox): the sandbox's bubblewrap namespaces, the
host's Python (from the ``/usr`` the sandbox binds; its source arrives on a pipe) and one
end of a socket pair. A command is then a message and a fork in the sandbox instead of a
new bubblewrap sandbox.
"""

from __future__ import annotations

import contextlib
import json
import os
import select
import signal
import socket
import subprocess
import sys
import threading
from pathlib import Path

SYSTEM_PYTHONS = ("/usr/bin/python3", "/usr/local/bin/python3")
_python: list[str | None] = []
_PROBE = "import ctypes, os, socket, sys; sys.exit(not hasattr(os, 'pidfd_open'))"
"""What the supervisor needs: Python >= 3.9 (pidfd_open, socket.send_fds) with ctypes."""
SUPERVISOR_SOURCE = Path(__file__).with_name("local_supervisor.py")
_BOOT = "import os,sys;exec(compile(os.read(int(sys.argv[4]),1<<20),'supervisor','exec'))"
"""Reads the supervisor's source from an inherited pipe (nothing of it in the sandbox)."""
SUPERVISOR_CAPS = ("SYS_ADMIN",)
"""Held by the supervisor only (namespaces and mounts of each command), never by a command."""


class SupervisorGone(OSError):
    """The supervisor died or stopped answering (the sandbox was killed)."""


def python_in_sandbox() -> str | None:
    """A Python >= 3.9 the sandbox can run (the host's, under the bound ``/usr``): the
    server's own interpreter when it lives there, else ``/usr/bin/python3`` or
    ``/usr/local/bin/python3``; None when there is none (probed once per process)."""
    if not _python:
        candidates = [Path(sys.executable).resolve(), *map(Path, SYSTEM_PYTHONS)]
        found = None
        for candidate in candidates:
            if candidate.is_relative_to("/usr") and _runs_supervisor(candidate):
                found = str(candidate)
                break
        _python.append(found)
    return _python[0]


def _runs_supervisor(python: Path) -> bool:
    try:
        probe = subprocess.run(
            [str(python), "-I", "-S", "-c", _PROBE],
            capture_output=True,
            timeout=30,
        )
    except (OSError, subprocess.TimeoutExpired):
        return False
    return probe.returncode == 0


class Supervisor:
    """One running supervisor: its bubblewrap process and the server's end of its socket."""

    def __init__(self, process: subprocess.Popen[bytes], sock: socket.socket, init: int | None):
        self.process = process
        self.sock = sock
        self.lock = threading.Lock()
        self.init = init
        """A pidfd of the sandbox's PID 1 (None when bubblewrap reported none)."""

    @classmethod
    def started(
        cls, process: subprocess.Popen[bytes], sock: socket.socket, info_fd: int
    ) -> Supervisor:
        """Wrap a started supervisor; ``info_fd`` is bubblewrap's --info-fd read end."""
        with os.fdopen(info_fd, "rb") as info:
            text = info.read(65536)
        init = None
        with contextlib.suppress(ValueError, KeyError, TypeError, OSError):
            init = os.pidfd_open(int(json.loads(text)["child-pid"]))
        return cls(process, sock, init)

    @classmethod
    def boot_arguments(
        cls, interpreter: str, marker: str, fresh_proc: bool, setns: bool = True
    ) -> list[str]:
        """The supervisor's command line inside the sandbox (fd numbers filled by start);
        ``setns=False`` makes it use an outer process per command, as it does where a
        seccomp profile refuses setns."""
        return [interpreter, "-I", "-S", "-c", _BOOT, "{sock}", "1" if fresh_proc else "0",
                marker, "{source}", "1" if setns else "0"]  # fmt: skip

    def run(
        self, request: dict[str, object], fds: tuple[int, int, int], timeout_s: float
    ) -> tuple[int | None, bool]:
        """Run one command; (exit code, timed out). The command's namespace is empty when
        this returns; a timeout kills it (and everything it started)."""
        with self.lock:
            try:
                socket.send_fds(self.sock, [json.dumps(request).encode()], list(fds))
                self.sock.settimeout(max(timeout_s, 0.001))
                try:
                    reply = self.sock.recv(4096)
                    timed_out = False
                except TimeoutError:
                    timed_out = True
                    self.sock.settimeout(30)
                    self.sock.send(b'{"op": "kill"}')
                    reply = self.sock.recv(4096)
            except OSError as exc:
                raise SupervisorGone(f"the sandbox's supervisor is gone ({exc})") from None
            if not reply:
                raise SupervisorGone("the sandbox's supervisor is gone")
            answer = json.loads(reply)
            if "exit" not in answer:
                raise SupervisorGone(f"the sandbox's supervisor refused: {answer}")
            code = answer["exit"]
            return (None if timed_out else code), timed_out

    def kill(self) -> bool:
        """Kill the sandbox's PID namespace (supervisor and every command in it) and wait
        for it; True once nothing of it is left. SIGKILL to a namespace's PID 1 kills
        every process in it and in the namespaces below; PID 1's exit completes (its
        pidfd turns readable) only once they are all gone."""
        with contextlib.suppress(OSError):
            self.sock.close()
        empty = True
        if self.init is not None:
            with contextlib.suppress(ProcessLookupError):
                signal.pidfd_send_signal(self.init, signal.SIGKILL)
            empty = bool(select.select([self.init], [], [], 10)[0])
            os.close(self.init)
            self.init = None
        with contextlib.suppress(ProcessLookupError, PermissionError):
            os.killpg(self.process.pid, signal.SIGKILL)
        try:
            self.process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            return False
        return empty

    def alive(self) -> bool:
        return self.process.poll() is None


def supervisor_socket() -> tuple[socket.socket, socket.socket]:
    """(server end, sandbox end) of a new socket pair (message boundaries kept)."""
    return socket.socketpair(socket.AF_UNIX, socket.SOCK_SEQPACKET)


def source_pipe() -> int:
    """A pipe's read end already holding the supervisor's source."""
    read, write = os.pipe()
    try:
        os.write(write, SUPERVISOR_SOURCE.read_bytes())
    finally:
        os.close(write)
    return read
