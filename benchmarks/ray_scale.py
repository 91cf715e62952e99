"""Aggregate steps/s of a Pool over Ray replicas vs one local server (issue: Ray scale).

    python -m benchmarks.ray_scale [--sessions 512,4096] [--seconds 10] [--replicas 6]

Starts a three-node Ray cluster on loopback (``ray.cluster_utils.Cluster``, one CPU per
node), then for each session count drives the counter env through

* ``ray``: ``Pool(engine="ray")`` with the sessions spread over ``--replicas`` servers
  (Ray actors, balanced over the nodes), each server's sessions batched on one socket;
* ``local``: one ``envbridge serve`` process holding every session (batched, at most
  1,024 sessions per connection, so 4,096 sessions use four connections to it).

Each round steps every session once (one ``pool.step``). Reports steps/s, the p50 of a
round, and where the CPU went during the timed rounds (the driver, the env servers, and
Ray's own processes), then writes ``benchmarks/results/ray_scale.{json,md}``.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import os
import statistics
import time
from pathlib import Path
from typing import Any

os.environ.setdefault("RAY_ENABLE_WINDOWS_OR_OSX_CLUSTER", "0")  # loopback only

from benchmarks.processes import ROOT, cpu_seconds
from envbridge.pool import Pool, TargetSource

RESULTS = ROOT / "benchmarks" / "results"
DOCS_PAGE = ROOT / "docs" / "scale.md"
MARKERS = ("<!-- ray_scale:start -->\n", "<!-- ray_scale:end -->")
TARGET = "envs.native.counter:CounterEnv"
ENDLESS = {"target": 10**9}
BATCH_LIMIT = 1024


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="python -m benchmarks.ray_scale", description=__doc__)
    parser.add_argument("--sessions", default="512,4096", help="session counts")
    parser.add_argument("--seconds", type=float, default=10.0, help="timed stepping per case")
    parser.add_argument("--replicas", type=int, default=6, help="Ray replicas (servers)")
    return parser.parse_args(argv)


def _children_cpu(pids: list[int]) -> float:
    total = 0.0
    for pid in pids:
        with contextlib.suppress(OSError):  # the process ended meanwhile
            total += cpu_seconds(pid)
    return total


def _process_groups() -> dict[str, list[int]]:
    """Live processes by role: env servers, Ray's own (raylet, gcs, workers)."""
    groups: dict[str, list[int]] = {"servers": [], "ray": []}
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            command = (entry / "cmdline").read_bytes().replace(b"\0", b" ").decode()
        except OSError:
            continue
        if " envbridge serve " in f" {command} " and TARGET in command:
            groups["servers"].append(int(entry.name))
        elif "/ray/" in command or command.startswith("ray::"):
            groups["ray"].append(int(entry.name))
    return groups


async def _drive(pool: Pool, seconds: float) -> dict[str, Any]:
    await pool.reset(seed=0)
    for _ in range(3):  # warm-up rounds
        await pool.step([{"delta": 1}] * len(pool))
    groups = _process_groups()
    before = {role: _children_cpu(pids) for role, pids in groups.items()}
    driver_before = time.process_time()
    rounds, errors, durations = 0, 0, []
    started = time.perf_counter()
    while time.perf_counter() - started < seconds:
        tick = time.perf_counter()
        results = await pool.step([{"delta": 1}] * len(pool))
        durations.append(time.perf_counter() - tick)
        errors += sum(not r.ok for r in results)
        rounds += 1
    elapsed = time.perf_counter() - started
    steps = rounds * len(pool)
    cpu = {role: _children_cpu(pids) - before[role] for role, pids in groups.items()}
    cpu["driver"] = time.process_time() - driver_before
    return {
        "sessions": len(pool),
        "steps": steps,
        "errors": errors,
        "steps_per_s": steps / elapsed,
        "round_p50_ms": statistics.median(durations) * 1e3,
        "cpu_us_per_step": {role: seconds * 1e6 / steps for role, seconds in cpu.items()},
    }


async def _ray_case(sessions: int, replicas: int, seconds: float) -> dict[str, Any]:
    pool = Pool(engine="ray")
    source = TargetSource(TARGET, options=ENDLESS, cwd=ROOT)
    pool.add(source, sessions=sessions, replicas=replicas, name="counter")
    started = time.perf_counter()
    async with pool:
        placed_s = time.perf_counter() - started
        result = await _drive(pool, seconds)
        result["nodes"] = len({server.node for server in pool.stats().servers})
    result.update(engine="ray", replicas=replicas, start_s=placed_s)
    return result


async def _local_case(sessions: int, seconds: float) -> dict[str, Any]:
    server = TargetSource(TARGET, options=ENDLESS, cwd=ROOT)
    server.bind("counter", sessions, start_timeout_s=120.0)
    started = time.perf_counter()
    url = await server.start()
    try:
        pool = Pool()
        for first in range(0, sessions, BATCH_LIMIT):
            pool.add(url, sessions=min(BATCH_LIMIT, sessions - first))
        async with pool:
            placed_s = time.perf_counter() - started
            result = await _drive(pool, seconds)
    finally:
        await server.stop()
    result.update(engine="local", replicas=1, start_s=placed_s, nodes=1)
    return result


def _markdown(rows: list[dict[str, Any]], load: tuple[float, float]) -> str:
    lines = [
        f"Load average before/after: {load[0]:.2f} / {load[1]:.2f} ({os.cpu_count()} cores).",
        "",
        "| sessions | engine | servers | nodes | steps/s | round p50 | errors | start | "
        "CPU µs/step: driver / servers / Ray |",
        "|---:|---|---:|---:|---:|---:|---:|---:|---|",
    ]
    for row in rows:
        cpu = row["cpu_us_per_step"]
        lines.append(
            f"| {row['sessions']} | {row['engine']} | {row['replicas']} | {row['nodes']} | "
            f"{row['steps_per_s']:,.0f} | {row['round_p50_ms']:.1f} ms | {row['errors']} | "
            f"{row['start_s']:.1f} s | {cpu['driver']:.1f} / {cpu['servers']:.1f} / "
            f"{cpu['ray']:.1f} |"
        )
    return "\n".join(lines) + "\n"


def main(argv: list[str] | None = None) -> int:
    import ray
    from ray.cluster_utils import Cluster

    args = parse_args(argv)
    counts = [int(n) for n in args.sessions.split(",")]
    load_before = os.getloadavg()[0]
    node = {"num_cpus": 1, "object_store_memory": 80 * 1024 * 1024}
    cluster = Cluster(initialize_head=True, head_node_args={**node, "include_dashboard": False})
    rows = []
    try:
        for _ in range(2):
            cluster.add_node(**node)
        cluster.wait_for_nodes()
        ray.init(address=cluster.address, log_to_driver=False)
        for sessions in counts:
            for case in ("local", "ray"):
                print(f"ray_scale: {sessions} sessions, {case} ...", flush=True)
                if case == "ray":
                    row = asyncio.run(_ray_case(sessions, args.replicas, args.seconds))
                else:
                    row = asyncio.run(_local_case(sessions, args.seconds))
                rows.append(row)
                print(f"  {row['steps_per_s']:,.0f} steps/s, {row['errors']} errors", flush=True)
    finally:
        ray.shutdown()
        cluster.shutdown()
    load = (load_before, os.getloadavg()[0])
    RESULTS.mkdir(exist_ok=True)
    (RESULTS / "ray_scale.json").write_text(json.dumps({"load": load, "rows": rows}, indent=2))
    table = _markdown(rows, load)
    (RESULTS / "ray_scale.md").write_text(table)
    _refresh_docs(table)
    print(table)
    return 0


def _refresh_docs(table: str) -> None:
    """Put the table between the markers in docs/scale.md."""
    page = DOCS_PAGE.read_text()
    start, end = MARKERS
    head, found, rest = page.partition(start)
    if not found or end not in rest:
        return
    DOCS_PAGE.write_text(head + start + table + end + rest.split(end, 1)[1])


if __name__ == "__main__":
    raise SystemExit(main())
