"""Many WebSocket sessions on ONE server process, driven from separate client processes.

    python -m benchmarks.scale --sessions 16384 --clients 4 --steps 3

Starts ``envbridge serve`` (the counter, ``--max-sessions`` sized to fit; the server
raises its own open-files limit), then ``--clients`` processes that each open their share
of the sessions (a process may hold 20,000 descriptors on this box, so the load must
come from several), reset them, and wait. When every session is open the server's
resident memory is read; then every session steps ``--steps`` times and closes. Prints
one JSON object: success rate, errors, memory per session, server CPU per step, time.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

from benchmarks.processes import ROOT, cpu_seconds, free_port, running, start_server

CONNECT_CONCURRENCY = 64
"""Handshakes in flight per client process."""


def _rss_bytes(pid: int) -> int:
    with open(f"/proc/{pid}/status") as status:
        for line in status:
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) * 1024
    raise RuntimeError(f"no VmRSS for pid {pid}")


def _lift_fd_limit() -> int:
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    if hard == resource.RLIM_INFINITY or hard > soft:
        target = 1 << 20 if hard == resource.RLIM_INFINITY else hard
        resource.setrlimit(resource.RLIMIT_NOFILE, (target, hard))
        return target
    return soft


# --------------------------------------------------------------------------- one client


async def _client(url: str, sessions: int, steps: int) -> dict[str, Any]:
    import envbridge

    gate = asyncio.Semaphore(CONNECT_CONCURRENCY)
    errors: list[str] = []

    async def open_one() -> Any:
        async with gate:
            client = envbridge.connect(url, timeout_s=300, connect_timeout_s=120)
            try:
                await client.reset()
            except Exception as exc:
                errors.append(f"open: {type(exc).__name__}: {exc}")
                await client.close()
                return None
            return client

    opened = [c for c in await asyncio.gather(*(open_one() for _ in range(sessions))) if c]
    print(json.dumps({"ready": len(opened)}), flush=True)
    await asyncio.get_running_loop().run_in_executor(None, sys.stdin.readline)  # "go"
    ok = 0

    async def drive(client: Any) -> None:
        nonlocal ok
        try:
            for i in range(steps):
                await client.step({"delta": 1 if i % 2 == 0 else -1})
            ok += 1
        except Exception as exc:
            errors.append(f"step: {type(exc).__name__}: {exc}")
        finally:
            await client.close()

    started = time.perf_counter()
    await asyncio.gather(*(drive(c) for c in opened))
    return {
        "sessions": sessions,
        "stepped_ok": ok,
        "errors": len(errors),
        "first_error": errors[0] if errors else None,
        "step_phase_s": round(time.perf_counter() - started, 2),
    }


# ----------------------------------------------------------------------------- the run


def _spawn_client(url: str, sessions: int, steps: int) -> subprocess.Popen[str]:
    argv = [sys.executable, "-m", "benchmarks.scale", "client", url, str(sessions), str(steps)]
    return subprocess.Popen(
        argv, cwd=ROOT, stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True
    )


def _ready(process: subprocess.Popen[str]) -> int:
    assert process.stdout is not None
    line = process.stdout.readline()
    return int(json.loads(line)["ready"]) if line else 0


def _report(process: subprocess.Popen[str]) -> dict[str, Any]:
    assert process.stdout is not None
    lines = process.stdout.read().strip().splitlines()
    if not lines:
        return {"stepped_ok": 0, "errors": 1, "first_error": "client died", "step_phase_s": 0}
    return json.loads(lines[-1])


def measure(sessions: int, clients: int, steps: int) -> dict[str, Any]:
    """Serve, connect from ``clients`` processes, read memory, step, report."""
    _lift_fd_limit()  # inherited by the server and the client processes
    port = free_port()
    argv = [
        sys.executable, "-m", "envbridge", "serve", "envs.native.counter:CounterEnv",
        "--host", "127.0.0.1", "--port", str(port), "--max-sessions", str(sessions + 64),
        "--idle-timeout", "0", "--log-level", "warning",
    ]  # fmt: skip
    load_before = os.getloadavg()[0]
    with tempfile.TemporaryDirectory(prefix="envbridge-scale-") as logs:
        server = start_server("scale", argv, port, Path(logs))
        with running([server]):
            pid = server.process.pid
            rss_idle = _rss_bytes(pid)
            shares = [sessions // clients + (i < sessions % clients) for i in range(clients)]
            started = time.perf_counter()
            procs = [_spawn_client(server.url, share, steps) for share in shares]
            try:
                ready = sum(
                    json.loads(p.stdout.readline() or '{"ready": 0}')["ready"] for p in procs
                )  # type: ignore[union-attr]
                open_s = time.perf_counter() - started
                rss_open = _rss_bytes(pid)
                cpu_before = cpu_seconds(pid)
                for p in procs:
                    assert p.stdin is not None
                    p.stdin.write("go\n")
                    p.stdin.flush()
                reports = [_report(p) for p in procs]
                cpu_steps = cpu_seconds(pid) - cpu_before
            finally:
                for p in procs:
                    p.wait(timeout=600)
    ok = sum(r["stepped_ok"] for r in reports)
    return {
        "sessions": sessions,
        "client_processes": clients,
        "steps_per_session": steps,
        "opened": ready,
        "stepped_ok": ok,
        "success": round(ok / sessions, 4),
        "errors": sum(r["errors"] for r in reports),
        "first_error": next((r["first_error"] for r in reports if r["first_error"]), None),
        "open_s": round(open_s, 1),
        "step_phase_s": max(r["step_phase_s"] for r in reports),
        "server_rss_idle_mb": round(rss_idle / 2**20, 1),
        "server_rss_open_mb": round(rss_open / 2**20, 1),
        "memory_per_session_kb": round((rss_open - rss_idle) / max(ready, 1) / 1024, 1),
        "server_cpu_us_per_step": round(cpu_steps / max(ok * steps, 1) * 1e6, 1),
        "load_before": round(load_before, 2),
        "load_after": round(os.getloadavg()[0], 2),
    }


def main(argv: list[str] | None = None) -> int:
    argv = sys.argv[1:] if argv is None else argv
    if argv and argv[0] == "client":
        _lift_fd_limit()
        url, sessions, steps = argv[1], int(argv[2]), int(argv[3])
        print(json.dumps(asyncio.run(_client(url, sessions, steps))), flush=True)
        return 0
    parser = argparse.ArgumentParser(prog="python -m benchmarks.scale", description=__doc__)
    parser.add_argument("--sessions", type=int, default=16384)
    parser.add_argument("--clients", type=int, default=4, help="client processes")
    parser.add_argument("--steps", type=int, default=3, help="steps per session")
    args = parser.parse_args(argv)
    print(json.dumps(measure(args.sessions, args.clients, args.steps)))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
