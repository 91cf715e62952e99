"""Where a pool's servers come from: a URL, a serve target or command run as a
subprocess on loopback, or a Docker image. Sources the pool starts, it also stops.

A source is what :meth:`envbridge.Pool.add` takes (as httpx takes a transport)::

    pool.add("http://127.0.0.1:8000", sessions=4)             # a str is a UrlSource
    pool.add(TargetSource("gym:CartPole-v1"), sessions=8)     # envbridge serve TARGET
    pool.add(ProcessSource(["uvicorn", "app:app", "--port", "{port}"]))
    pool.add(ImageSource("my-env:latest"), sessions=2)        # needs envbridge[docker]

Each source checks its own arguments when built; the pool binds it (name, session
count, start timeout) when added, so one source object serves one pool entry.
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
from urllib.parse import urlsplit

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


def free_port(host: str = "127.0.0.1") -> int:
    """A free TCP port on ``host`` (loopback by default)."""
    with socket.socket() as sock:
        sock.bind((host, 0))
        return sock.getsockname()[1]


_DIE_WITH_PARENT = (
    "import ctypes, os, signal, sys\n"
    "ctypes.CDLL(None).prctl(1, signal.SIGKILL)  # PR_SET_PDEATHSIG\n"
    "if os.getppid() != int(sys.argv[1]): sys.exit('parent died before the server started')\n"
    "os.execvp(sys.argv[2], sys.argv[2:])\n"
)
"""A shim that asks Linux to SIGKILL the server when its parent dies, then execs it (the
death signal survives exec; setting it in the parent's fork would not be thread-safe)."""


def die_with_parent(argv: Sequence[str]) -> list[str]:
    """``argv`` run so that the server dies with the process starting it (Linux)."""
    return [sys.executable, "-c", _DIE_WITH_PARENT, str(os.getpid()), *argv]


def _text(value: Any, what: str) -> str:
    if not isinstance(value, str) or not value:
        raise PoolError(f"{what} must be a non-empty string, got {value!r}")
    return value


class Source:
    """A server the pool talks to; ``start`` returns its base URL."""

    kind = "url"
    owned = False
    """True when the pool started the server (then it may restart and must stop it)."""

    host = "127.0.0.1"
    """The address a server the pool starts listens on (a cluster engine sets a node's)."""

    def __init__(self, start_timeout_s: float | None = None) -> None:
        self.name = ""
        self.url = ""
        self.node = ""
        """Where the server runs, for engines that place servers on nodes."""
        self.start_timeout_s = start_timeout_s
        self._bound = False
        self._recipe: tuple[type[Source], dict[str, Any]] | None = None

    def recipe(self) -> tuple[type[Source], dict[str, Any]]:
        """(class, keyword arguments) that build a fresh, unstarted copy of this source."""
        if self._recipe is None:
            raise PoolError(f"{self!r} cannot be copied (replicas need a target, command or image)")
        return self._recipe

    def copy(self) -> Source:
        """A fresh, unbound source for the same server (one per replica)."""
        cls, kwargs = self.recipe()
        return cls(**kwargs)

    def default_name(self) -> str:
        """The pool's name for this server unless ``add(name=...)`` gives one."""
        return self.kind

    def bind(self, name: str, sessions: int, start_timeout_s: float) -> None:
        """Called by :meth:`Pool.add`: name the server and size it for ``sessions``."""
        if self._bound:
            raise PoolError(f"{self!r} was already added to a pool; make a new source")
        self._bound = True
        self.name = name
        if self.start_timeout_s is None:
            self.start_timeout_s = start_timeout_s

    async def start(self) -> str:
        raise NotImplementedError

    async def revive(self) -> bool:
        """Restart the server if the pool owns it and it died; True if it restarted."""
        return False

    async def stop(self) -> None:
        """Stop the server if the pool started it."""


class UrlSource(Source):
    """A server someone else runs."""

    def __init__(self, url: str):
        super().__init__()
        self.url = _text(url, "url").rstrip("/")

    def default_name(self) -> str:
        url = self.url
        return urlsplit(url if "://" in url else f"http://{url}").netloc or url

    def __repr__(self) -> str:
        return f"UrlSource({self.url!r})"

    async def start(self) -> str:
        return self.url


class ProcessSource(Source):
    """A server command run on a loopback port; ``{port}`` in argv is replaced by it."""

    kind = "command"
    owned = True

    def __init__(
        self,
        argv: Sequence[str],
        *,
        cwd: str | os.PathLike[str] | None = None,
        env: dict[str, str] | None = None,
        start_timeout_s: float | None = None,
    ):
        super().__init__(start_timeout_s)
        if not isinstance(argv, list | tuple) or not all(isinstance(p, str) for p in argv):
            raise PoolError(
                f"command must be a list of strings (['uvicorn', 'app:app', '--port', "
                f"'{{port}}']), got {argv!r}"
            )
        if not any(PORT_PLACEHOLDER in part for part in argv):
            raise PoolError(
                f"command {list(argv)} has no {PORT_PLACEHOLDER} placeholder; the pool picks "
                "the port, e.g. ['uvicorn', 'app:app', '--port', '{port}']"
            )
        self.argv = list(argv)
        self.cwd = cwd
        self.env = env or {}
        self._recipe = (ProcessSource, {"argv": self.argv, "cwd": cwd, "env": self.env,
                                        "start_timeout_s": start_timeout_s})  # fmt: skip
        self.die_with_parent = False
        """Kill the server when the process that started it dies (a Ray actor's node lost)."""
        self.port = 0
        self.process: subprocess.Popen | None = None
        self._log_path: Path | None = None
        self._lock = asyncio.Lock()

    async def start(self) -> str:
        self.port = free_port(self.host)
        self.url = f"http://{self.host}:{self.port}"
        await self._launch()
        return self.url

    async def _launch(self) -> None:
        fd, log_path = tempfile.mkstemp(prefix="envbridge-pool-", suffix=".log")
        self._log_path = Path(log_path)
        argv = [part.replace(PORT_PLACEHOLDER, str(self.port)) for part in self.argv]
        if self.die_with_parent:
            argv = die_with_parent(argv)
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

    def default_name(self) -> str:
        apps = [part for part in self.argv if ":" in part and PORT_PLACEHOLDER not in part]
        return apps[0] if apps else Path(self.argv[0]).name

    def __repr__(self) -> str:
        return f"ProcessSource({self.argv!r})"

    async def _wait_healthy(self) -> None:
        timeout_s = self.start_timeout_s or DEFAULT_START_TIMEOUT_S
        deadline = time.monotonic() + timeout_s
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
                        f"{timeout_s:.0f} s ({'; '.join(reasons)}); its output "
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


def target_argv(
    target: str, options: dict[str, Any] | None, max_sessions: int, host: str = "127.0.0.1"
) -> list[str]:
    """``envbridge serve TARGET`` on ``host`` (loopback by default) with this interpreter."""
    argv = [
        sys.executable, "-m", "envbridge", "serve", target,
        "--host", host, "--port", PORT_PLACEHOLDER,
        "--max-sessions", str(max_sessions), "--log-level", "warning",
    ]  # fmt: skip
    if options:
        argv += ["--options", json.dumps(options)]
    return argv


class TargetSource(ProcessSource):
    """``envbridge serve TARGET`` as a subprocess (gym:ID, verifiers:NAME, harbor:PATH, ...).

    ``options`` go to the target's factory (``--options`` JSON).
    """

    kind = "target"

    def __init__(
        self,
        target: str,
        *,
        options: dict[str, Any] | None = None,
        cwd: str | os.PathLike[str] | None = None,
        env: dict[str, str] | None = None,
        start_timeout_s: float | None = None,
    ):
        self.target = _text(target, "target")
        self.options = options
        super().__init__(
            target_argv(target, options, max_sessions=256),
            cwd=cwd,
            env=env,
            start_timeout_s=start_timeout_s,
        )
        self._recipe = (TargetSource, {"target": target, "options": options, "cwd": cwd,
                                       "env": env, "start_timeout_s": start_timeout_s})  # fmt: skip
        self._max_sessions = 256

    def bind(self, name: str, sessions: int, start_timeout_s: float) -> None:
        super().bind(name, sessions, start_timeout_s)
        self._max_sessions = max(256, 2 * sessions + 16)

    async def start(self) -> str:
        self.argv = target_argv(self.target, self.options, self._max_sessions, host=self.host)
        return await super().start()

    def default_name(self) -> str:
        return self.target

    def __repr__(self) -> str:
        return f"TargetSource({self.target!r})"


class ImageSource(Source):
    """A Docker image run by envbridge's docker helper (``envbridge[docker]``)."""

    kind = "image"
    owned = True

    def __init__(self, image: str, *, start_timeout_s: float | None = None):
        super().__init__(start_timeout_s)
        self.image = _text(image, "image")
        self._recipe = (ImageSource, {"image": image, "start_timeout_s": start_timeout_s})
        self._running: Any = None

    def default_name(self) -> str:
        return self.image

    @property
    def alive(self) -> bool:
        """Whether the container this source started is still held (not stopped)."""
        return self._running is not None

    def __repr__(self) -> str:
        return f"ImageSource({self.image!r})"

    async def start(self) -> str:
        try:
            from envbridge.docker.container import start_container
        except ImportError as exc:
            raise PoolError(
                f"image {self.image!r} needs the docker helper: pip install 'envbridge[docker]' "
                f"({exc})"
            ) from exc
        self._running = await asyncio.to_thread(
            start_container,
            self.image,
            health_timeout_s=self.start_timeout_s or DEFAULT_START_TIMEOUT_S,
            host=self.host,
        )
        self.url = self._running.url
        return self.url

    async def stop(self) -> None:
        running, self._running = self._running, None
        if running is not None:
            await asyncio.to_thread(running.close)
