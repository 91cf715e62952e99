"""Benchmark: SIGTERM -> process exit of a server whose environment calls are stuck.

    python benchmarks/shutdown.py [--runs 3] [--shutdown-timeout 10]

Three shapes: sessions stuck in a sync env method (a thread each), sessions stuck in
an async one, and an inline env blocking the server's event loop itself (only the
watchdog can end that one). Each run opens three stuck sessions, each owning a temp
folder and a subprocess, sends SIGTERM, and times the exit; it also counts what was
left behind. Results print as a table (with the load average, since the box may be
busy) and are written to benchmarks/results/shutdown.json.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import signal
import socket
import statistics
import subprocess
import sys
import threading
import time
from pathlib import Path

import httpx
from envbridge.spec.client import SyncClient

ROOT = Path(__file__).resolve().parent.parent
RESULTS = Path(__file__).parent / "results" / "shutdown.json"
SHAPES = {
    "thread stuck": "tests.chaos.envs:ThreadedChaos",
    "async stuck": "tests.chaos.envs:AsyncChaos",
    "event loop blocked": "tests.chaos.envs:InlineChaos",
}


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _alive(pid: int) -> bool:
    try:
        return Path(f"/proc/{pid}/stat").read_text().split()[2] != "Z"
    except OSError:
        return False


def _wait_healthy(url: str, process: subprocess.Popen) -> None:
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline and process.poll() is None:
        try:
            if httpx.get(f"{url}/health", timeout=1, trust_env=False).status_code == 200:
                return
        except httpx.HTTPError:
            pass
        time.sleep(0.1)
    raise RuntimeError(f"{url} did not start")


def _stuck_step(client: SyncClient) -> None:
    with contextlib.suppress(Exception):  # the server goes away
        client.step({"delta": 1})


def one_run(target: str, shutdown_timeout_s: float) -> dict:
    """Start, make three stuck sessions with resources, SIGTERM; time and count."""
    port = _free_port()
    url = f"http://127.0.0.1:{port}"
    argv = [sys.executable, "-m", "envbridge", "serve", target, "--port", str(port),
            "--shutdown-timeout", str(shutdown_timeout_s), "--log-level", "critical"]  # fmt: skip
    process = subprocess.Popen(
        argv, cwd=ROOT, start_new_session=True,
        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
    )  # fmt: skip
    try:
        _wait_healthy(url, process)
        owned = []
        sessions = 1 if "Inline" in target else 3  # inline: the first stuck call blocks all
        for _ in range(sessions):
            client = SyncClient(url, timeout_s=120).connect()
            owned.append(client.reset(resources=True, chaos="hang_in_step").observation)
            threading.Thread(target=_stuck_step, args=(client,), daemon=True).start()
        time.sleep(0.5)
        started = time.monotonic()
        os.killpg(process.pid, signal.SIGTERM)
        process.wait(timeout=shutdown_timeout_s + 30)
        took = time.monotonic() - started
    finally:
        if process.poll() is None:
            os.killpg(process.pid, signal.SIGKILL)
            process.wait()
    left = sum(Path(o["folder"]).exists() for o in owned) + sum(_alive(o["pid"]) for o in owned)
    return {"exit_s": took, "status": process.returncode, "leftovers": left}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--shutdown-timeout", type=float, default=10.0)
    args = parser.parse_args(argv)
    results = {"shutdown_timeout_s": args.shutdown_timeout, "load_average": os.getloadavg()}
    print(f"SIGTERM -> exit, --shutdown-timeout {args.shutdown_timeout:g} s, {args.runs} runs")
    for shape, target in SHAPES.items():
        runs = [one_run(target, args.shutdown_timeout) for _ in range(args.runs)]
        times = [run["exit_s"] for run in runs]
        results[shape] = {
            "median_s": round(statistics.median(times), 2),
            "max_s": round(max(times), 2),
            "exit_statuses": sorted({run["status"] for run in runs}),
            "leftovers": sum(run["leftovers"] for run in runs),
        }
        row = results[shape]
        print(
            f"  {shape:20} median {row['median_s']:5.2f} s  max {row['max_s']:5.2f} s  "
            f"status {row['exit_statuses']}  leftovers {row['leftovers']}"
        )
    results["load_average_after"] = os.getloadavg()
    print("load average before/after:", results["load_average"], results["load_average_after"])
    RESULTS.parent.mkdir(exist_ok=True)
    RESULTS.write_text(json.dumps(results, indent=2) + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
