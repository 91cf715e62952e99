"""Test helpers: real servers on real loopback sockets.

``serving(factory, mode=...)`` runs envbridge's ASGI app under uvicorn in a background
thread on a free 127.0.0.1 port and yields the base URL; ``serving_process`` runs any
command (an OpenEnv server, the envbridge CLI) as a subprocess and waits for /health.
"""

from __future__ import annotations

import contextlib
import os
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Callable, Iterator, Sequence
from pathlib import Path
from typing import Any

import httpx
import uvicorn
from envbridge.spec.server import create_app
from envbridge.spec.server.serve import uvicorn_config_kwargs

ROOT = Path(__file__).resolve().parent.parent
"""The repository root (the cwd for servers that import envs.*)."""


def free_port() -> int:
    """A free TCP port on 127.0.0.1."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@contextlib.contextmanager
def serving_app(app: Any, *, startup_timeout_s: float = 20.0) -> Iterator[str]:
    """Serve an ASGI ``app`` with uvicorn in a thread; yield ``http://127.0.0.1:PORT``."""
    config = uvicorn.Config(app, host="127.0.0.1", port=0, **uvicorn_config_kwargs())
    server = uvicorn.Server(config)
    thread = threading.Thread(target=server.run, name="uvicorn-test", daemon=True)
    thread.start()
    deadline = time.monotonic() + startup_timeout_s
    while not server.started:
        if not thread.is_alive() or time.monotonic() > deadline:
            raise RuntimeError("test server did not start")
        time.sleep(0.01)
    port = server.servers[0].sockets[0].getsockname()[1]
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        server.should_exit = True
        thread.join(timeout=20)


@contextlib.contextmanager
def serving(factory: Callable[[], Any], **app_kwargs: Any) -> Iterator[str]:
    """Serve ``factory`` with envbridge (``create_app`` kwargs: mode, max_sessions, ...)."""
    with serving_app(create_app(factory, **app_kwargs)) as url:
        yield url


def wait_healthy(
    url: str, timeout_s: float = 60.0, process: subprocess.Popen | None = None
) -> None:
    """Poll ``GET url/health`` until 200; fail early if ``process`` died."""
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        if process is not None and process.poll() is not None:
            raise RuntimeError(
                f"server exited with {process.returncode}: {process_output(process)}"
            )
        try:
            if httpx.get(f"{url}/health", timeout=1.0, trust_env=False).status_code == 200:
                return
        except httpx.HTTPError:
            pass
        time.sleep(0.1)
    raise RuntimeError(f"{url} not healthy after {timeout_s} s")


def start_process(
    argv_for_port: Callable[[int], Sequence[str]],
    *,
    env: dict[str, str] | None = None,
    cwd: str | None = None,
) -> tuple[subprocess.Popen, str]:
    """Start ``argv_for_port(port)`` (a server on 127.0.0.1:port) in its own process group."""
    port = free_port()
    # Output goes to a temp file, never a pipe nobody drains (a full pipe blocks the server).
    log = tempfile.TemporaryFile(mode="w+")  # noqa: SIM115 - closed by stop_process
    process = subprocess.Popen(
        list(argv_for_port(port)),
        env={**os.environ, **(env or {})},
        cwd=cwd,
        stdout=log,
        stderr=subprocess.STDOUT,
        text=True,
        start_new_session=True,
    )
    process.log = log  # type: ignore[attr-defined]
    return process, f"http://127.0.0.1:{port}"


def process_output(process: subprocess.Popen) -> str:
    """What a process started by :func:`start_process` has printed so far."""
    log = process.log  # type: ignore[attr-defined]
    log.seek(0)
    return log.read()


def stop_process(process: subprocess.Popen) -> None:
    """SIGTERM the process group, SIGKILL after 15 s; reap it."""
    with contextlib.suppress(ProcessLookupError):
        os.killpg(process.pid, signal.SIGTERM)
    try:
        process.wait(timeout=15)
    except subprocess.TimeoutExpired:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(process.pid, signal.SIGKILL)
        process.wait(timeout=5)
    process.log.close()  # type: ignore[attr-defined]


@contextlib.contextmanager
def serving_processes(
    *argv_for_ports: Callable[[int], Sequence[str]],
    env: dict[str, str] | None = None,
    envs: Sequence[dict[str, str]] | None = None,
    cwd: str | None = None,
    timeout_s: float = 90.0,
) -> Iterator[list[str]]:
    """Start several servers at once (they boot in parallel); yield their URLs."""
    started: list[tuple[subprocess.Popen, str]] = []
    try:
        for index, argv in enumerate(argv_for_ports):
            extra = {**(env or {}), **(envs[index] if envs else {})}
            started.append(start_process(argv, env=extra, cwd=cwd))
        for process, url in started:
            wait_healthy(url, timeout_s, process)
        yield [url for _, url in started]
    finally:
        for process, _ in started:
            stop_process(process)


@contextlib.contextmanager
def serving_process(
    argv_for_port: Callable[[int], Sequence[str]],
    *,
    env: dict[str, str] | None = None,
    cwd: str | None = None,
    timeout_s: float = 90.0,
) -> Iterator[str]:
    """Run one server subprocess; yield its URL once ``/health`` answers."""
    with serving_processes(argv_for_port, env=env, cwd=cwd, timeout_s=timeout_s) as urls:
        yield urls[0]


def uvicorn_app(app_path: str) -> Callable[[int], list[str]]:
    """argv factory: serve the ASGI app ``module:attr`` with uvicorn on loopback."""
    return lambda port: [
        sys.executable,
        "-m",
        "uvicorn",
        app_path,
        "--host",
        "127.0.0.1",
        "--port",
        str(port),
        "--log-level",
        "warning",
    ]


def envbridge_cli(*args: str) -> list[str]:
    """argv running the envbridge CLI with this interpreter."""
    return [sys.executable, "-m", "envbridge", *args]


def marked_processes(marker: str) -> dict[int, str]:
    """Live processes whose command line carries ``marker``: pid -> command line."""
    found = {}
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                cmdline = (entry / "cmdline").read_bytes()
            except OSError:
                continue
            if marker.encode() in cmdline:
                found[int(entry.name)] = cmdline.replace(b"\0", b" ").decode(errors="replace")
    return found
