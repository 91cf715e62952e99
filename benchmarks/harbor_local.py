"""Harbor local backend: reset and ``exec true`` times, in process (no socket).

    python -m benchmarks.harbor_local [--resets 10] [--execs 30] [--task hello-file]

Each reset starts a fresh sandbox for the task (the session core's real ``reset``);
each exec runs ``true`` through the ``exec`` tool. Prints p50/p90 in milliseconds and
the load average before and after (targets: reset p50 < 100 ms, exec p50 < 10 ms).
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import statistics
import time
from typing import Any

from benchmarks.processes import ROOT


async def _measure(task: str, resets: int, execs: int) -> dict[str, Any]:
    from envbridge.bridges.harbor import load_target
    from envbridge.spec.modes import Mode
    from envbridge.spec.session import Session

    factory = load_target(str(ROOT / "envs" / "harbor" / task), {"backend": "local"})
    session = Session(factory(), Mode.SIMULATION)
    reset_ms, exec_ms = [], []
    try:
        for _ in range(resets):
            t0 = time.perf_counter()
            await session.reset({})
            reset_ms.append((time.perf_counter() - t0) * 1e3)
        for _ in range(execs):
            t0 = time.perf_counter()
            await session.call_tool("exec", {"command": "true"})
            exec_ms.append((time.perf_counter() - t0) * 1e3)
    finally:
        await session.close()
    return {"reset_ms": _summary(reset_ms), "exec_true_ms": _summary(exec_ms)}


def _summary(values: list[float]) -> dict[str, float]:
    ordered = sorted(values)
    return {
        "p50": round(statistics.median(ordered), 1),
        "p90": round(ordered[int(0.9 * (len(ordered) - 1))], 1),
        "n": len(ordered),
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m benchmarks.harbor_local", description=__doc__)
    parser.add_argument("--resets", type=int, default=10)
    parser.add_argument("--execs", type=int, default=30)
    parser.add_argument("--task", default="hello-file")
    args = parser.parse_args(argv)
    before = os.getloadavg()[0]
    result = asyncio.run(_measure(args.task, args.resets, args.execs))
    result.update(load_before=round(before, 2), load_after=round(os.getloadavg()[0], 2))
    print(json.dumps(result))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
