"""Start and stop server processes on loopback; run client processes with a time bound."""

from __future__ import annotations

import contextlib
import json
import os
import selectors
import signal
import socket
import subprocess
import time
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
"""The repository root: every process runs here so ``benchmarks`` and ``envs`` import."""


def free_port() -> int:
    """A free TCP port on 127.0.0.1."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def cpu_seconds(pid: int) -> float:
    """User + system CPU time a process has used so far (Linux ``/proc``)."""
    with open(f"/proc/{pid}/stat") as stat:
        fields = stat.read().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


@dataclass
class Server:
    """A running server process and the base URL it listens on."""

    name: str
    process: subprocess.Popen
    url: str
    log_path: Path

    @property
    def pid(self) -> int:
        return self.process.pid


def _wait_listening(server: Server, timeout_s: float) -> None:
    port = int(server.url.rsplit(":", 1)[1])
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        if server.process.poll() is not None:
            raise RuntimeError(
                f"server {server.name} exited with {server.process.returncode}; "
                f"log:\n{server.log_path.read_text()[-2000:]}"
            )
        with contextlib.suppress(OSError), socket.create_connection(("127.0.0.1", port), 0.5):
            return
        time.sleep(0.1)
    raise RuntimeError(f"server {server.name} not listening after {timeout_s} s")


def start_server(
    name: str, argv: Sequence[str], port: int, log_dir: Path, env: dict[str, str] | None = None
) -> Server:
    """Start ``argv`` (a server on 127.0.0.1:``port``) in its own process group."""
    log_path = log_dir / f"server-{name}.log"
    with log_path.open("w") as log:
        process = subprocess.Popen(
            list(argv),
            cwd=ROOT,
            env={**os.environ, **(env or {})},
            stdout=log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
    return Server(name, process, f"http://127.0.0.1:{port}", log_path)


def stop_server(server: Server) -> None:
    """SIGTERM the process group, SIGKILL after 10 s; reap it."""
    with contextlib.suppress(ProcessLookupError):
        os.killpg(server.process.pid, signal.SIGTERM)
    try:
        server.process.wait(timeout=10)
    except subprocess.TimeoutExpired:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(server.process.pid, signal.SIGKILL)
        server.process.wait(timeout=5)


@contextlib.contextmanager
def running(servers: list[Server], timeout_s: float = 120.0) -> Iterator[dict[str, Server]]:
    """Wait until every server listens; stop them all afterwards, whatever happened."""
    try:
        for server in servers:
            _wait_listening(server, timeout_s)
        yield {server.name: server for server in servers}
    finally:
        for server in servers:
            stop_server(server)


def run_json(argv: Sequence[str], timeout_s: float) -> dict[str, Any]:
    """Run a measurement process; its last stdout line is JSON. Failures become ``error``."""
    try:
        done = subprocess.run(
            list(argv), cwd=ROOT, capture_output=True, text=True, timeout=timeout_s
        )
    except subprocess.TimeoutExpired:
        return {"error": f"timed out after {timeout_s:.0f} s"}
    lines = done.stdout.strip().splitlines()
    try:
        result = json.loads(lines[-1]) if lines else {}
    except json.JSONDecodeError:
        result = {}
    if not isinstance(result, dict):
        result = {}
    if done.returncode != 0 or not result or "error" in result:
        tail = " | ".join((done.stderr or done.stdout).strip().splitlines()[-3:])
        return {"error": result.get("error") or tail or f"exit {done.returncode}"}
    return result


class Worker:
    """A ``benchmarks.worker`` process under one interpreter, restarted if it fails.

    :meth:`run` sends one measurement and waits at most ``timeout_s`` for its reply; a
    worker that overruns is killed (and a fresh one starts with the next command).
    """

    def __init__(self, python: str, log_path: Path, env: dict[str, str] | None = None):
        self.python = python
        self.log_path = log_path
        self.env = env or {}
        self._process: subprocess.Popen | None = None

    def _start(self) -> subprocess.Popen:
        if self._process is None or self._process.poll() is not None:
            with self.log_path.open("a") as log:
                self._process = subprocess.Popen(
                    [self.python, "-m", "benchmarks.worker"],
                    cwd=ROOT,
                    stdin=subprocess.PIPE,
                    stdout=subprocess.PIPE,
                    stderr=log,
                    text=True,
                    start_new_session=True,
                    env={**os.environ, **self.env},
                )
        return self._process

    @property
    def pid(self) -> int:
        """The (started) worker process's id."""
        return self._start().pid

    def run(self, argv: Sequence[str], timeout_s: float) -> dict[str, Any]:
        """One measurement's JSON result, or ``{"error": ...}``."""
        process = self._start()
        assert process.stdin is not None and process.stdout is not None
        try:
            process.stdin.write(json.dumps(list(argv)) + "\n")
            process.stdin.flush()
        except BrokenPipeError:
            self.close()
            return {"error": f"measurement process died; see {self.log_path}"}
        with selectors.DefaultSelector() as selector:
            selector.register(process.stdout, selectors.EVENT_READ)
            ready = selector.select(timeout_s)
        if not ready:
            self.close(kill=True)
            return {"error": f"timed out after {timeout_s:.0f} s"}
        line = process.stdout.readline()
        if not line:
            self.close()
            return {"error": f"measurement process died; see {self.log_path}"}
        return json.loads(line)

    def close(self, kill: bool = False) -> None:
        """Stop the process: close its stdin (it exits), or kill it at once."""
        process, self._process = self._process, None
        if process is None:
            return
        if kill:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(process.pid, signal.SIGKILL)
        with contextlib.suppress(BrokenPipeError, OSError):
            process.stdin.close()  # type: ignore[union-attr]
        try:
            process.wait(timeout=5)
        except subprocess.TimeoutExpired:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(process.pid, signal.SIGKILL)
            process.wait(timeout=5)
        if process.stdout is not None:
            process.stdout.close()
