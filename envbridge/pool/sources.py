"""Where a pool's servers come from: a URL, a serve target or command run as a
subprocess on loopback, or a Docker image. Sources the pool starts, it also stops.
"""

from __future__ import annotations

import asyncio
import atexit
import contextlib
import json
import os
import signal
import socket
import subprocess
import sys
import tempfile
import time
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import httpx

from envbridge.pool import health as server_health
from envbridge.pool.results import PoolError

PORT_PLACEHOLDER = "{port}"
DEFAULT_START_TIMEOUT_S = 120.0
_STOP_GRACE_S = 10.0

_live_processes: dict[subprocess.Popen, Path] = {}
"""Every server process a pool started and has not stopped yet, with its log file (both
removed at interpreter exit if the pool was never closed)."""


def _kill_leftovers() -> None:
    for process, log_path in list(_live_processes.items()):
        _terminate(process, grace_s=2.0)
        log_path.unlink(missing_ok=True)


atexit.register(_kill_leftovers)


def free_port() -> int:
    """A free TCP port on 127.0.0.1."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class Source:
    """A server the pool talks to; ``start`` returns its base URL."""

    kind = "url"
    owned = False
    """True when the pool started the server (then it may restart and must stop it)."""

    def __init__(self, name: str):
        self.name = name
        self.url = ""

    async def start(self) -> str:
        raise NotImplementedError

    async def revive(self) -> bool:
        """Restart the server if the pool owns it and it died; True if it restarted."""
        return False

    async def stop(self) -> None:
        """Stop the server if the pool started it."""


class UrlSource(Source):
    """A server someone else runs."""

    def __init__(self, url: str, name: str):
        super().__init__(name)
        self.url = url.rstrip("/")

    async def start(self) -> str:
        return self.url


class ProcessSource(Source):
    """A server command run on a loopback port; ``{port}`` in argv is replaced by it."""

    kind = "command"
    owned = True

    def __init__(
        self,
        argv: Sequence[str],
        name: str,
        *,
        cwd: str | os.PathLike[str] | None = None,
        env: dict[str, str] | None = None,
        start_timeout_s: float = DEFAULT_START_TIMEOUT_S,
    ):
        super().__init__(name)
        if not any(PORT_PLACEHOLDER in part for part in argv):
            raise PoolError(
                f"command {list(argv)} has no {PORT_PLACEHOLDER} placeholder; the pool picks "
                "the port, e.g. ['uvicorn', 'app:app', '--port', '{port}']"
            )
        self.argv = list(argv)
        self.cwd = cwd
        self.env = env or {}
        self.start_timeout_s = start_timeout_s
        self.port = 0
        self.process: subprocess.Popen | None = None
        self._log_path: Path | None = None
        self._lock = asyncio.Lock()

    async def start(self) -> str:
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        await self._launch()
        return self.url

    async def _launch(self) -> None:
        fd, log_path = tempfile.mkstemp(prefix="envbridge-pool-", suffix=".log")
        self._log_path = Path(log_path)
        argv = [part.replace(PORT_PLACEHOLDER, str(self.port)) for part in self.argv]
        try:
            self.process = subprocess.Popen(
                argv,
                cwd=self.cwd,
                env={**os.environ, **self.env},
                stdin=subprocess.DEVNULL,
                stdout=fd,
                stderr=subprocess.STDOUT,
                start_new_session=True,
            )
        except OSError as exc:
            self._remove_log()
            raise PoolError(f"cannot start {self.name} ({argv[0]}): {exc}") from exc
        finally:
            os.close(fd)
        _live_processes[self.process] = self._log_path
        try:
            await self._wait_healthy()
        except BaseException:
            await self.stop()
            raise

    async def _wait_healthy(self) -> None:
        deadline = time.monotonic() + self.start_timeout_s
        async with httpx.AsyncClient(timeout=2.0, trust_env=False) as http:
            while True:
                assert self.process is not None
                if self.process.poll() is not None:
                    raise PoolError(
                        f"{self.name} exited with status {self.process.returncode} before it "
                        f"answered {self.url}/health; its output ends with:\n{self.log_tail()}"
                    )
                reasons = await server_health.problems(http, self.url)
                if not reasons:
                    return
                if time.monotonic() > deadline:
                    raise PoolError(
                        f"{self.name} was not healthy at {self.url}/health within "
                        f"{self.start_timeout_s:.0f} s ({'; '.join(reasons)}); its output "
                        f"ends with:\n{self.log_tail()}"
                    )
                await asyncio.sleep(0.1)

    def log_tail(self, lines: int = 20) -> str:
        """The last lines the server printed."""
        if self._log_path is None or not self._log_path.exists():
            return ""
        text = self._log_path.read_text(errors="replace")
        return "\n".join(text.splitlines()[-lines:])

    @property
    def alive(self) -> bool:
        return self.process is not None and self.process.poll() is None

    async def revive(self) -> bool:
        async with self._lock:
            if self.process is None or self.alive:
                return False
            await self.stop()
            await self._launch()
            return True

    async def stop(self) -> None:
        process, self.process = self.process, None
        if process is not None:
            await asyncio.to_thread(_terminate, process, _STOP_GRACE_S)
        self._remove_log()

    def _remove_log(self) -> None:
        if self._log_path is not None:
            self._log_path.unlink(missing_ok=True)
            self._log_path = None


def _terminate(process: subprocess.Popen, grace_s: float) -> None:
    """SIGTERM the process group, SIGKILL after ``grace_s``; reap it."""
    with contextlib.suppress(ProcessLookupError):
        os.killpg(process.pid, signal.SIGTERM)
    try:
        process.wait(timeout=grace_s)
    except subprocess.TimeoutExpired:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(process.pid, signal.SIGKILL)
        process.wait()
    _live_processes.pop(process, None)


def target_argv(target: str, options: dict[str, Any] | None, max_sessions: int) -> list[str]:
    """``envbridge serve TARGET`` on loopback with this interpreter."""
    argv = [
        sys.executable, "-m", "envbridge", "serve", target,
        "--host", "127.0.0.1", "--port", PORT_PLACEHOLDER,
        "--max-sessions", str(max_sessions), "--log-level", "warning",
    ]  # fmt: skip
    if options:
        argv += ["--options", json.dumps(options)]
    return argv


class TargetSource(ProcessSource):
    """``envbridge serve TARGET`` as a subprocess (gym:ID, verifiers:NAME, harbor:PATH, ...)."""

    kind = "target"


class ImageSource(Source):
    """A Docker image run by envbridge's docker helper (``envbridge[docker]``)."""

    kind = "image"
    owned = True

    def __init__(self, image: str, name: str, start_timeout_s: float = DEFAULT_START_TIMEOUT_S):
        super().__init__(name)
        self.image = image
        self.start_timeout_s = start_timeout_s
        self._running: Any = None

    async def start(self) -> str:
        try:
            from envbridge.docker.container import start_container
        except ImportError as exc:
            raise PoolError(
                f"image {self.image!r} needs the docker helper: pip install 'envbridge[docker]' "
                f"({exc})"
            ) from exc
        self._running = await asyncio.to_thread(
            start_container, self.image, health_timeout_s=self.start_timeout_s
        )
        self.url = self._running.url
        return self.url

    async def stop(self) -> None:
        running, self._running = self._running, None
        if running is not None:
            await asyncio.to_thread(running.close)
