"""How long a default ``envbridge check`` takes against a light environment.

``python -m benchmarks.kit_run [--runs N]`` serves the sample counter
(``envbridge serve envs.native.counter:CounterEnv --port 0``, one session and 256 sessions)
and times N default kit runs against each, printing the load average with every figure
(the box is shared: read the numbers with it).
"""

from __future__ import annotations

import argparse
import os
import re
import statistics
import subprocess
import sys
import time

from envbridge.conformance import check

BANNER = re.compile(r"on http://127\.0\.0\.1:(\d+)")


def _serve(max_sessions: int) -> tuple[subprocess.Popen, str]:
    process = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "envbridge",
            "serve",
            "envs.native.counter:CounterEnv",
            "--port",
            "0",
            "--max-sessions",
            str(max_sessions),
        ],
        stderr=subprocess.PIPE,
        stdout=subprocess.DEVNULL,
        stdin=subprocess.DEVNULL,
        text=True,
    )
    match = BANNER.search(process.stderr.readline())
    if not match:
        process.terminate()
        raise RuntimeError("the server printed no banner")
    return process, f"http://127.0.0.1:{match.group(1)}"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--runs", type=int, default=3)
    args = parser.parse_args(argv)
    for sessions in (1, 256):
        process, url = _serve(sessions)
        try:
            check(url, only=["http"])  # warm-up: imports, first connections
            times = []
            for _ in range(args.runs):
                started = time.perf_counter()
                report = check(url)
                times.append(time.perf_counter() - started)
            load = ", ".join(f"{x:.1f}" for x in os.getloadavg())
            print(
                f"max_sessions={sessions}: default run median {statistics.median(times):.2f} s "
                f"(min {min(times):.2f}, max {max(times):.2f}; {len(report.results)} checks, "
                f"passed={report.passed}); load average {load}"
            )
        finally:
            process.terminate()
            process.wait(timeout=30)
    return 0


if __name__ == "__main__":
    sys.exit(main())
