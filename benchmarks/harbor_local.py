"""Harbor local backend: reset and ``exec true`` times, in process (no socket).

    python -m benchmarks.harbor_local [--resets 10] [--execs 30] [--task hello-file]

Each reset starts a fresh sandbox for the task (the session core's real ``reset``);
each exec runs ``true`` through the ``exec`` tool. Prints p50/p90 in milliseconds, the CPU
milliseconds per operation (this process, the processes it reaped and the live sandbox
processes: a load barely moves these) and the load average before and after (targets:
reset p50 < 100 ms, exec p50 < 10 ms).
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import resource
import statistics
import time
from pathlib import Path
from typing import Any

from benchmarks.processes import ROOT


async def _measure(task: str, resets: int, execs: int) -> dict[str, Any]:
    from envbridge.bridges.harbor import load_target
    from envbridge.spec.modes import Mode
    from envbridge.spec.session import Session

    factory = load_target(str(ROOT / "envs" / "harbor" / task), {"backend": "local"})
    env = factory()
    session = Session(env, Mode.SIMULATION)
    reset_ms, exec_ms = [], []
    try:
        cpu0 = _cpu_ms(env)
        for _ in range(resets):
            t0 = time.perf_counter()
            await session.reset({})
            reset_ms.append((time.perf_counter() - t0) * 1e3)
        cpu1 = _cpu_ms(env)
        for _ in range(execs):
            t0 = time.perf_counter()
            await session.call_tool("exec", {"command": "true"})
            exec_ms.append((time.perf_counter() - t0) * 1e3)
        cpu2 = _cpu_ms(env)
    finally:
        await session.close()
    return {
        "reset_ms": _summary(reset_ms),
        "exec_true_ms": _summary(exec_ms),
        "cpu_ms_per_reset": round((cpu1 - cpu0) / max(resets, 1), 1),
        "cpu_ms_per_exec": round((cpu2 - cpu1) / max(execs, 1), 2),
    }


def _cpu_ms(env: Any) -> float:
    """CPU ms so far of this process, its reaped children and the sandbox's live processes
    (a supervisor and what it runs); reaped sandbox processes count once, in the parent."""
    usage = (resource.getrusage(who) for who in (resource.RUSAGE_SELF, resource.RUSAGE_CHILDREN))
    total = sum(u.ru_utime + u.ru_stime for u in usage) * 1e3
    supervisor = getattr(getattr(env, "sandbox", None), "_supervisor", None)
    if supervisor is not None:
        total += _tree_cpu_ms(supervisor.process.pid)
    return total


def _tree_cpu_ms(pid: int) -> float:
    tick_ms = 1e3 / os.sysconf("SC_CLK_TCK")
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
        children = [
            int(child)
            for task in Path(f"/proc/{pid}/task").iterdir()
            for child in (task / "children").read_text().split()
        ]
    except OSError:
        return 0.0
    own = sum(int(value) for value in fields[11:15]) * tick_ms
    return own + sum(_tree_cpu_ms(child) for child in children)


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
