"""Does /web cost the step path anything? Two counter servers built alike (``create_app``
and envbridge's uvicorn settings), one with the /web route and one without, stepped over
/ws in interleaved repetitions; plus what GET /web costs.

    python -m benchmarks.web_page [--steps 2000] [--reps 5]

Each server runs in its own process; the client steps one WebSocket connection and
times every round trip. Prints a table and one JSON line (last); records the load
average, since the machine may be shared.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import statistics
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import httpx
from websockets.sync.client import connect

from benchmarks.processes import free_port, running, start_server


def serve_counter(port: int, web: bool) -> None:
    """Serve the counter as ``envbridge serve`` does, with or without the /web route."""
    import uvicorn
    from envbridge.spec.server import create_app
    from envbridge.spec.server.serve import uvicorn_config_kwargs

    from envs.native.counter import CounterEnv

    app = create_app(CounterEnv)
    if not web:
        del app.routes["/web"]
    uvicorn.run(app, host="127.0.0.1", port=port, **uvicorn_config_kwargs())


def step_round_trips(url: str, steps: int) -> list[float]:
    """Seconds per step round trip over one /ws connection (episodes reset as they end)."""
    timings = []
    step = json.dumps({"type": "step", "data": {"delta": 1}})
    with connect(url.replace("http", "ws") + "/ws", max_size=None) as socket:
        socket.send(json.dumps({"type": "reset", "data": {}}))
        socket.recv()
        for _ in range(steps):
            started = time.perf_counter()
            socket.send(step)
            reply = socket.recv()
            timings.append(time.perf_counter() - started)
            if '"done":true' in reply:
                socket.send(json.dumps({"type": "reset", "data": {}}))
                socket.recv()
    return timings


def page_fetches(url: str, count: int) -> dict[str, Any]:
    """GET /web: the first (assembles the page) and later (cached) latencies."""
    with httpx.Client(trust_env=False) as client:
        started = time.perf_counter()
        first = client.get(f"{url}/web")
        first_s = time.perf_counter() - started
        later = []
        for _ in range(count):
            started = time.perf_counter()
            client.get(f"{url}/web").raise_for_status()
            later.append(time.perf_counter() - started)
    return {
        "page_bytes": len(first.content),
        "first_get_ms": first_s * 1000,
        "cached_get_p50_ms": statistics.median(later) * 1000,
    }


def measure(steps: int, reps: int) -> dict[str, Any]:
    """Median step round trip (µs) per server, interleaved over ``reps``; GET /web costs."""
    with_port, without_port = free_port(), free_port()
    logs = Path(tempfile.mkdtemp(prefix="envbridge-bench-web-"))
    servers = [
        start_server(
            name,
            [sys.executable, "-m", "benchmarks.web_page", "--serve", str(port), "--web", name],
            port,
            logs,
        )
        for name, port in (("with-web", with_port), ("without-web", without_port))
    ]
    samples: dict[str, list[float]] = {"with-web": [], "without-web": []}
    with running(servers) as started:
        for server in started.values():
            step_round_trips(server.url, min(steps, 200))  # warm-up
        order = list(started.items())
        for _ in range(reps):
            for name, server in order:
                samples[name].append(statistics.median(step_round_trips(server.url, steps)))
            order.reverse()  # A B, B A, ...: neither server always goes first
        page = page_fetches(started["with-web"].url, 50)
    shutil.rmtree(logs, ignore_errors=True)
    medians = {name: statistics.median(values) * 1e6 for name, values in samples.items()}
    return {
        "steps_per_rep": steps,
        "reps": reps,
        "step_p50_us": medians,
        "difference_pct": 100 * (medians["with-web"] / medians["without-web"] - 1),
        "rep_p50_range_us": {
            name: [min(values) * 1e6, max(values) * 1e6] for name, values in samples.items()
        },
        "web": page,
        "load_average": os.getloadavg(),
        "cpus": os.cpu_count(),
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m benchmarks.web_page", description=__doc__)
    parser.add_argument("--steps", type=int, default=2000, help="steps per repetition")
    parser.add_argument("--reps", type=int, default=5, help="interleaved repetitions")
    parser.add_argument("--serve", type=int, metavar="PORT", help=argparse.SUPPRESS)
    parser.add_argument("--web", choices=["with-web", "without-web"], help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.serve is not None:
        serve_counter(args.serve, web=args.web == "with-web")
        return 0
    result = measure(args.steps, args.reps)
    for name, value in result["step_p50_us"].items():
        low, high = result["rep_p50_range_us"][name]
        print(f"{name:12} step round trip p50 {value:8.1f} µs (reps {low:.1f} .. {high:.1f})")
    print(f"difference   {result['difference_pct']:+.1f} % (with /web vs without)")
    web = result["web"]
    print(
        f"GET /web     {web['page_bytes']} bytes; first {web['first_get_ms']:.1f} ms, "
        f"cached p50 {web['cached_get_p50_ms']:.2f} ms"
    )
    load = ", ".join(f"{x:.2f}" for x in result["load_average"])
    print(f"load average {load} on {result['cpus']} CPUs (shared machine)")
    print(json.dumps(result))
    return 0


if __name__ == "__main__":
    sys.exit(main())
