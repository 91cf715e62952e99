"""Benchmark: what the sandbox defences cost per call (harbor bridge).

    python -m benchmarks.sandbox_security [--runs 30] [--no-docker]

Measures, on the sample task ``envs/harbor/hello-file``: ``exec`` of ``true`` and
``write_file`` of 4 KiB on the local backend (user namespace + bubblewrap per command),
and on the docker backend ``exec``, ``write_file`` and ``stop_processes`` (the container
restart that kills the agent's processes before the verifier). Prints medians and the
load average, which matters: the numbers are wall-clock times on a shared machine.
"""

from __future__ import annotations

import argparse
import os
import statistics
import time
from collections.abc import Callable
from pathlib import Path

from envbridge.bridges.harbor import load_target

TASK = Path(__file__).resolve().parent.parent / "envs" / "harbor" / "hello-file"
BASE_IMAGES = {"python:3.12-slim": "envbridge/base:py3"}


def median_ms(action: Callable[[], object], runs: int) -> float:
    times = []
    for _ in range(runs):
        started = time.perf_counter()
        action()
        times.append((time.perf_counter() - started) * 1000)
    return statistics.median(times)


def measure(backend: str, runs: int) -> dict[str, float]:
    options: dict = {"backend": backend}
    if backend == "docker":
        options["base_images"] = BASE_IMAGES
    env = load_target(str(TASK), options)()
    try:
        env.reset()
        sandbox, user = env.sandbox, env._agent_user()
        figures = {
            "exec true": median_ms(lambda: sandbox.exec("true", user=user), runs),
            "write_file 4 KiB": median_ms(
                lambda: sandbox.write_file("/tmp/bench.txt", b"x" * 4096, user=user), runs
            ),
        }
        if backend == "docker":
            figures["stop_processes (restart)"] = median_ms(
                sandbox.stop_processes, max(runs // 5, 3)
            )
        return figures
    finally:
        env.close()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--runs", type=int, default=30)
    parser.add_argument("--no-docker", action="store_true")
    args = parser.parse_args()
    backends = ["local"] + ([] if args.no_docker else ["docker"])
    print(f"load average before: {os.getloadavg()}")
    for backend in backends:
        for name, value in measure(backend, args.runs).items():
            print(f"{backend:6} {name:26} {value:8.1f} ms (median of runs)")
    print(f"load average after: {os.getloadavg()}")


if __name__ == "__main__":
    main()
