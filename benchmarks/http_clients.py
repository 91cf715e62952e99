"""HTTP client libraries against envbridge's stateful HTTP routes (issue #16, "HTTP").

``python -m benchmarks.http_clients [--levels 1,64,1024] [--seconds 3] [--json]``

Starts one envbridge server (the counter) on 127.0.0.1, then for each level N opens N
sessions, each with its own client object (the way each envbridge client holds its
own), ``POST /reset`` once and ``POST /step`` in a loop for ``--seconds``, and releases
every session (``openenv/session/close``). Reported per client and level: steps/s, errors,
client CPU µs per step while stepping (this process runs nothing but the clients), client
CPU ms per session to open, reset and release it, and server CPU µs per step (whole run),
with the load average before and after. Clients:

* ``httpx``: ``httpx.AsyncClient`` (the core install's library);
* ``aiohttp``: ``aiohttp.ClientSession`` (measured when installed);
* ``envbridge/httpx`` and ``envbridge/aiohttp``: envbridge's own
  ``AsyncClient(transport="http")`` on each backend (``ENVBRIDGE_HTTP_CLIENT``), i.e. the
  library plus the client's planning and reply parsing, so its overhead shows;
* sync, one session only: ``httpx.Client``, the standard library's ``http.client`` and
  envbridge's ``.sync()`` client (on ``http.client``).

Loopback only; stops by itself; the server is stopped whatever happens.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import http.client
import json
import os
import sys
import tempfile
import time
import uuid
from collections.abc import Awaitable, Callable, Iterator
from pathlib import Path
from typing import Any

from benchmarks.processes import cpu_seconds, free_port, running, start_server

BACKEND_ENV = "ENVBRIDGE_HTTP_CLIENT"
"""Read by envbridge's client (envbridge.spec.client.http_backends); not imported here so
this module also loads where envbridge is absent."""
TARGET = "envs.native.counter:CounterEnv"
LEVELS = (1, 64, 1024)
TIMEOUT_S = 60.0

Step = Callable[[int], Awaitable[bool]]
"""``await step(i)``: one step; False when the server answered an error."""


def _action(sid: str, i: int) -> dict[str, Any]:
    return {"action": {"delta": 1 if i % 2 == 0 else -1}, "session_id": sid}


def _close_rpc(sid: str) -> dict[str, Any]:
    params = {"session_id": sid}
    return {"jsonrpc": "2.0", "id": 1, "method": "openenv/session/close", "params": params}


class HttpxSession:
    """One session on its own ``httpx.AsyncClient``."""

    def __init__(self, url: str):
        import httpx

        self.sid = str(uuid.uuid4())
        self.http = httpx.AsyncClient(base_url=url, trust_env=False, timeout=TIMEOUT_S)

    async def post(self, path: str, body: dict[str, Any]) -> bool:
        response = await self.http.post(path, json=body)
        response.json()
        return response.status_code == 200

    async def close(self) -> None:
        try:
            await self.post("/mcp", _close_rpc(self.sid))
        finally:
            await self.http.aclose()


class AiohttpSession:
    """One session on its own ``aiohttp.ClientSession``."""

    def __init__(self, url: str):
        import aiohttp

        self.sid = str(uuid.uuid4())
        timeout = aiohttp.ClientTimeout(total=TIMEOUT_S)
        self.http = aiohttp.ClientSession(url, timeout=timeout, trust_env=False)

    async def post(self, path: str, body: dict[str, Any]) -> bool:
        async with self.http.post(path, json=body) as response:
            await response.json()
            return response.status == 200

    async def close(self) -> None:
        try:
            await self.post("/mcp", _close_rpc(self.sid))
        finally:
            await self.http.close()


class EnvbridgeSession:
    """envbridge's own async client over HTTP, on the backend named by ``BACKEND``."""

    BACKEND = "httpx"

    def __init__(self, url: str):
        from envbridge import connect

        self.client = connect(url, transport="http")
        self.sid = ""

    async def post(self, path: str, body: dict[str, Any]) -> bool:
        if path == "/reset":
            await self.client.reset()
        else:
            await self.client.step(body["action"])
        return True

    async def close(self) -> None:
        await self.client.close()


class EnvbridgeAiohttpSession(EnvbridgeSession):
    """envbridge's own async client over HTTP on aiohttp."""

    BACKEND = "aiohttp"


ASYNC_KINDS: dict[str, type] = {
    "httpx": HttpxSession,
    "aiohttp": AiohttpSession,
    "envbridge/httpx": EnvbridgeSession,
    "envbridge/aiohttp": EnvbridgeAiohttpSession,
}


async def _run_async(kind: str, url: str, sessions: int, seconds: float) -> dict[str, Any]:
    opened = [ASYNC_KINDS[kind](url) for _ in range(sessions)]
    counts = {"steps": 0, "errors": 0}
    try:
        await asyncio.gather(*(s.post("/reset", {"session_id": s.sid}) for s in opened))
        deadline = time.monotonic() + seconds

        async def loop(session: Any) -> None:
            i = 0
            while time.monotonic() < deadline:
                try:
                    ok = await session.post("/step", _action(session.sid, i))
                except Exception:
                    ok = False
                counts["steps" if ok else "errors"] += 1
                i += 1

        started, cpu = time.perf_counter(), time.process_time()
        await asyncio.gather(*(loop(s) for s in opened))
        counts["elapsed_s"] = time.perf_counter() - started
        counts["cpu_s"] = time.process_time() - cpu
    finally:
        await asyncio.gather(*(s.close() for s in opened), return_exceptions=True)
    return counts


def _run_sync(kind: str, url: str, seconds: float) -> dict[str, Any]:
    sid = str(uuid.uuid4())
    post = _sync_poster(kind, url)
    counts = {"steps": 0, "errors": 0}
    try:
        post("/reset", {"session_id": sid})
        deadline = time.monotonic() + seconds
        started, cpu = time.perf_counter(), time.process_time()
        i = 0
        while time.monotonic() < deadline:
            try:
                ok = post("/step", _action(sid, i))
            except Exception:
                ok = False
            counts["steps" if ok else "errors"] += 1
            i += 1
        counts["elapsed_s"] = time.perf_counter() - started
        counts["cpu_s"] = time.process_time() - cpu
    finally:
        post("/mcp", _close_rpc(sid))
        post.close()  # type: ignore[attr-defined]
    return counts


class _HttpxPoster:
    def __init__(self, url: str):
        import httpx

        self.http = httpx.Client(base_url=url, trust_env=False, timeout=TIMEOUT_S)

    def __call__(self, path: str, body: dict[str, Any]) -> bool:
        response = self.http.post(path, json=body)
        response.json()
        return response.status_code == 200

    def close(self) -> None:
        self.http.close()


class _StdlibPoster:
    """``http.client`` on one keep-alive connection."""

    def __init__(self, url: str):
        host, _, port = url.removeprefix("http://").partition(":")
        self.conn = http.client.HTTPConnection(host, int(port), timeout=TIMEOUT_S)

    def __call__(self, path: str, body: dict[str, Any]) -> bool:
        data = json.dumps(body).encode()
        self.conn.request("POST", path, data, {"Content-Type": "application/json"})
        response = self.conn.getresponse()
        json.loads(response.read())
        return response.status == 200

    def close(self) -> None:
        self.conn.close()


class _EnvbridgeSyncPoster:
    """envbridge's sync client over HTTP (``http.client`` underneath)."""

    def __init__(self, url: str):
        from envbridge import connect

        self.client = connect(url, transport="http").sync()

    def __call__(self, path: str, body: dict[str, Any]) -> bool:
        if path == "/reset":
            self.client.reset()
        elif path == "/step":
            self.client.step(body["action"])
        return True  # the close RPC: close() below releases the session

    def close(self) -> None:
        self.client.close()


SYNC_KINDS: dict[str, type] = {
    "httpx.Client": _HttpxPoster,
    "http.client": _StdlibPoster,
    "envbridge .sync()": _EnvbridgeSyncPoster,
}


def _sync_poster(kind: str, url: str) -> Any:
    return SYNC_KINDS[kind](url)


@contextlib.contextmanager
def _backend(name: str | None) -> Iterator[None]:
    """``ENVBRIDGE_HTTP_CLIENT=name`` for the block (envbridge's client reads it)."""
    if name is None:
        yield
        return
    before = os.environ.get(BACKEND_ENV)
    os.environ[BACKEND_ENV] = name
    try:
        yield
    finally:
        if before is None:
            del os.environ[BACKEND_ENV]
        else:
            os.environ[BACKEND_ENV] = before


def available(kind: str) -> bool:
    """True when the client library of ``kind`` is installed."""
    module = "aiohttp" if "aiohttp" in kind else "httpx"
    if kind == "http.client":
        return True
    try:
        __import__(module)
    except ImportError:
        return False
    return True


def measure(kind: str, url: str, server_pid: int, sessions: int, seconds: float) -> dict[str, Any]:
    """One client kind at one level: rates, errors, CPU per step and the load around it."""
    load_before = os.getloadavg()[0]
    client0, server0 = time.process_time(), cpu_seconds(server_pid)
    if kind in SYNC_KINDS:
        counts = _run_sync(kind, url, seconds)
    else:
        backend = getattr(ASYNC_KINDS[kind], "BACKEND", None)
        with _backend(backend):
            counts = asyncio.run(_run_async(kind, url, sessions, seconds))
    total_s, server_s = time.process_time() - client0, cpu_seconds(server_pid) - server0
    steps = counts["steps"]
    per_step = 1e6 / steps if steps else 0.0
    # Opening, resetting and releasing the sessions, per session (not per step).
    setup_ms = (total_s - counts["cpu_s"]) * 1e3 / sessions
    return {
        "client": kind,
        "sessions": sessions,
        "steps": steps,
        "errors": counts["errors"],
        "steps_per_s": round(steps / counts["elapsed_s"], 1) if steps else 0.0,
        "client_cpu_us": round(counts["cpu_s"] * per_step, 1),
        "client_setup_ms": round(setup_ms, 2),
        "server_cpu_us": round(server_s * per_step, 1),
        "load_before": round(load_before, 2),
        "load_after": round(os.getloadavg()[0], 2),
    }


def run(levels: list[int], seconds: float, kinds: list[str]) -> list[dict[str, Any]]:
    """Every kind at every level (sync kinds at 1 session only) against one fresh server."""
    results = []
    with tempfile.TemporaryDirectory(prefix="bench-http-") as logs:
        port = free_port()
        argv = [
            sys.executable, "-m", "benchmarks.servers.envbridge_server",
            TARGET, str(port), str(max(levels) + 16), "asyncio",
        ]  # fmt: skip
        with running([start_server("envbridge", argv, port, Path(logs))]) as servers:
            server = servers["envbridge"]
            for level in levels:
                for kind in kinds:
                    if kind in SYNC_KINDS and level != 1:
                        continue
                    result = measure(kind, server.url, server.process.pid, level, seconds)
                    print(f"http_clients: {_line(result)}", file=sys.stderr, flush=True)
                    results.append(result)
    return results


def _line(r: dict[str, Any]) -> str:
    return (
        f"{r['client']:<17} {r['sessions']:>5} sessions: {r['steps_per_s']:>8,.0f} steps/s, "
        f"{r['errors']} errors, client CPU {r['client_cpu_us']:,.0f} µs/step "
        f"+ {r['client_setup_ms']:,.1f} ms/session, server CPU "
        f"{r['server_cpu_us']:,.0f} µs/step (load {r['load_before']:.1f} -> {r['load_after']:.1f})"
    )


def markdown(results: list[dict[str, Any]]) -> str:
    """A table for docs/benchmarks.md."""
    lines = [
        "| client | sessions | steps/s | errors | client CPU µs/step | client CPU ms/session "
        "| server CPU µs/step | load before → after |",
        "|---|---|---|---|---|---|---|---|",
    ]
    for r in results:
        lines.append(
            f"| {r['client']} | {r['sessions']:,} | {r['steps_per_s']:,.0f} | {r['errors']} "
            f"| {r['client_cpu_us']:,.0f} | {r['client_setup_ms']:,.1f} "
            f"| {r['server_cpu_us']:,.0f} "
            f"| {r['load_before']:.1f} → {r['load_after']:.1f} |"
        )
    return "\n".join(lines) + "\n"


def main(argv: list[str] | None = None) -> int:
    """Parse arguments, run, print the table (or JSON)."""
    parser = argparse.ArgumentParser(prog="python -m benchmarks.http_clients")
    parser.add_argument("--levels", default=",".join(map(str, LEVELS)))
    parser.add_argument("--seconds", type=float, default=3.0)
    parser.add_argument("--clients", default=",".join([*ASYNC_KINDS, *SYNC_KINDS]))
    parser.add_argument("--json", action="store_true", help="print JSON instead of markdown")
    args = parser.parse_args(argv)
    levels = [int(n) for n in args.levels.split(",")]
    unknown = set(args.clients.split(",")) - set(ASYNC_KINDS) - set(SYNC_KINDS)
    if unknown:
        parser.error(f"unknown clients {sorted(unknown)}; known: {[*ASYNC_KINDS, *SYNC_KINDS]}")
    kinds = [k for k in args.clients.split(",") if available(k)]
    results = run(levels, args.seconds, kinds)
    print(json.dumps(results, indent=1) if args.json else markdown(results))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
