"""The Task API, envbridge vs the official OpenEnv server, over the same quiz tasks.

    python -m benchmarks.tasks_api [--pages 50] [--page-size 100] [--calls 200]

Both servers hold ``envs.native.quiz_tasks`` (a 100,000-task ``train`` split served
through ``get_task``). Measures, per server: ``num_tasks`` latency (median / p90 over
``--calls`` requests), paging ``task_range`` through the first ``pages * page_size``
train tasks (tasks/s), and listing every test task with ``client.tasks.iter``. Prints a
table and the load average (the box is shared: read the numbers with it).
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path

import httpx

import envbridge
from benchmarks.processes import free_port, running, start_server


def _measure(url: str, pages: int, page_size: int, calls: int) -> dict[str, float]:
    http = httpx.Client(base_url=url, trust_env=False, timeout=60)
    latencies = []
    for _ in range(calls):
        started = time.perf_counter()
        http.post("/quiz/num_tasks", json={"split": "train"}).raise_for_status()
        latencies.append(time.perf_counter() - started)
    started = time.perf_counter()
    for page in range(pages):
        body = {"split": "train", "start": page * page_size, "stop": (page + 1) * page_size}
        assert len(http.post("/quiz/task_range", json=body).json()["tasks"]) == page_size
    paging_s = time.perf_counter() - started
    client = envbridge.connect(url).sync()
    started = time.perf_counter()
    listed = sum(1 for _ in client.tasks.iter("test", page_size=2))
    iter_s = time.perf_counter() - started
    client.close()
    http.close()
    latencies.sort()
    return {
        "num_tasks_median_ms": 1000 * statistics.median(latencies),
        "num_tasks_p90_ms": 1000 * latencies[int(0.9 * len(latencies))],
        "task_range_tasks_per_s": pages * page_size / paging_s,
        "iter_test_ms": 1000 * iter_s,
        "iter_test_tasks": listed,
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--pages", type=int, default=50)
    parser.add_argument("--page-size", type=int, default=100)
    parser.add_argument("--calls", type=int, default=200)
    args = parser.parse_args(argv)
    ports = {"envbridge": free_port(), "openenv": free_port()}
    argvs = {
        "envbridge": [
            sys.executable,
            "-m",
            "envbridge",
            "serve",
            "envs.native.quiz:QuizEnv",
            "--port",
            str(ports["envbridge"]),
            "--log-level",
            "warning",
        ],
        "openenv": [
            sys.executable,
            "-m",
            "uvicorn",
            "envs.openenv_native.quiz_app:app",
            "--port",
            str(ports["openenv"]),
            "--log-level",
            "warning",
        ],
    }
    with tempfile.TemporaryDirectory() as logs:
        servers = [
            start_server(name, argv, ports[name], Path(logs), {"ENABLE_WEB_INTERFACE": "false"})
            for name, argv in argvs.items()
        ]
        with running(servers) as up:
            results = {
                name: _measure(server.url, args.pages, args.page_size, args.calls)
                for name, server in up.items()
            }
    load = os.getloadavg()
    print(f"load average {load[0]:.1f} {load[1]:.1f} {load[2]:.1f} on {os.cpu_count()} cores")
    keys = list(next(iter(results.values())))
    print("| measure | " + " | ".join(results) + " |")
    print("|---|" + "---|" * len(results))
    for key in keys:
        print(f"| {key} | " + " | ".join(f"{results[name][key]:.1f}" for name in results) + " |")
    return 0


if __name__ == "__main__":
    sys.exit(main())
