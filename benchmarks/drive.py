"""One measurement in its own process; prints one JSON object on stdout.

    python -m benchmarks.drive latency KIND --url URL --workload counter --steps N
    python -m benchmarks.drive load KIND --url URL --sessions N --duration S
    python -m benchmarks.drive idle KIND --url URL --sessions N --server-pid PID
    python -m benchmarks.drive batch envbridge --url URL --sessions N --duration S

``latency``: one session, ``--warmup`` then ``--steps`` timed steps (async, sync and
in-process kinds). ``load``: N sessions on one event loop, all connected and reset
before a common start, each stepping until the deadline. ``idle``: the server's resident
memory before and after N reset-but-idle sessions. ``batch``: N sessions opened on ONE
connection with the batching extension, every frame stepping all of them; latency is
per frame, steps/s counts every session's step.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import sys
import time
import traceback
from typing import Any

from benchmarks import clients, inprocess
from benchmarks.stats import overhead_figures, summarise
from benchmarks.workloads import WORKLOADS, Workload

CONNECT_CONCURRENCY = 32
"""Sessions opened at once (a burst of 512 handshakes would only measure the backlog)."""


def _rss_bytes(pid: int) -> int:
    with open(f"/proc/{pid}/status") as status:
        for line in status:
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) * 1024
    raise RuntimeError(f"no VmRSS for pid {pid}")


async def _open_sessions(kind: str, url: str, count: int) -> list[Any]:
    gate = asyncio.Semaphore(CONNECT_CONCURRENCY)

    async def open_one() -> Any:
        async with gate:
            client = clients.ASYNC_CLIENTS[kind](url)
            await client.open()
            await client.reset()
            return client

    return list(await asyncio.gather(*(open_one() for _ in range(count))))


async def _close_sessions(sessions: list[Any]) -> None:
    await asyncio.gather(*(s.close() for s in sessions), return_exceptions=True)


async def _latency_async(kind: str, url: str, workload: Workload, warmup: int, steps: int):
    (client,) = await _open_sessions(kind, url, 1)
    try:
        for i in range(warmup):
            if await client.step(workload.action(i)):
                await client.reset()
        latencies: list[int] = []
        clock = time.perf_counter_ns
        started = clock()
        for i in range(steps):
            action = workload.action(i)
            t0 = clock()
            done = await client.step(action)
            latencies.append(clock() - t0)
            if done:
                await client.reset()
        return {"latencies": latencies, "elapsed_s": (clock() - started) / 1e9}
    finally:
        await client.close()


def _latency_sync(kind: str, url: str, workload: Workload, warmup: int, steps: int):
    client = clients.SYNC_CLIENTS[kind](url)
    client.open()
    try:
        client.reset()
        for i in range(warmup):
            if client.step(workload.action(i)):
                client.reset()
        latencies: list[int] = []
        clock = time.perf_counter_ns
        started = clock()
        for i in range(steps):
            action = workload.action(i)
            t0 = clock()
            done = client.step(action)
            latencies.append(clock() - t0)
            if done:
                client.reset()
        return {"latencies": latencies, "elapsed_s": (clock() - started) / 1e9}
    finally:
        client.close()


async def _load(
    kind: str, url: str, workload: Workload, sessions: int, warmup: int, duration: float
) -> dict[str, Any]:
    opened = await _open_sessions(kind, url, sessions)
    latencies: list[int] = []
    errors: list[str] = []
    clock = time.perf_counter_ns
    try:

        async def warm(client: Any) -> None:
            for i in range(warmup):
                if await client.step(workload.action(i)):
                    await client.reset()

        await asyncio.gather(*(warm(c) for c in opened))  # outside the timed window
        start = asyncio.Event()
        deadline_ns = 0

        async def run(client: Any) -> None:
            await start.wait()
            i = 0
            try:
                while clock() < deadline_ns:
                    action = workload.action(i)
                    t0 = clock()
                    done = await client.step(action)
                    latencies.append(clock() - t0)
                    if done:
                        await client.reset()
                    i += 1
            except Exception as exc:
                errors.append(f"{type(exc).__name__}: {exc}")

        tasks = [asyncio.create_task(run(c)) for c in opened]
        await asyncio.sleep(0)
        started = clock()
        deadline_ns = started + int(duration * 1e9)
        start.set()
        await asyncio.gather(*tasks)
        elapsed = (clock() - started) / 1e9
    finally:
        await _close_sessions(opened)
    result = summarise(latencies, elapsed, len(errors))
    result["sessions"] = sessions
    if errors:
        result["first_error"] = errors[0]
    return result


async def _batch(
    url: str, workload: Workload, sessions: int, warmup: int, duration: float
) -> dict[str, Any]:
    from envbridge import connect

    client = connect(url)
    latencies: list[int] = []
    errors: list[str] = []
    clock = time.perf_counter_ns
    try:
        ids = await client.batch_open(sessions)
        await client.batch([(sid, "reset", {}) for sid in ids])
        frame_index = 0

        async def step_all() -> None:
            nonlocal frame_index
            action = workload.action(frame_index)
            frame_index += 1
            results = await client.batch([(sid, "step", action) for sid in ids])
            ended = [sid for sid, r in zip(ids, results, strict=True) if getattr(r, "done", False)]
            errors.extend(f"{r}" for r in results if isinstance(r, Exception))
            if ended:
                await client.batch([(sid, "reset", {}) for sid in ended])

        for _ in range(warmup):
            await step_all()
        started = clock()
        deadline_ns = started + int(duration * 1e9)
        while clock() < deadline_ns and not errors:
            t0 = clock()
            await step_all()
            latencies.append(clock() - t0)
        elapsed = (clock() - started) / 1e9
        await client.batch_close(ids)
    finally:
        await client.close()
    result = summarise(latencies, elapsed, len(errors))
    result["frames_per_s"] = result["steps_per_s"]
    result["steps"] = len(latencies) * sessions
    result["steps_per_s"] = round(len(latencies) * sessions / elapsed, 1)
    result["sessions"] = sessions
    if errors:
        result["first_error"] = errors[0]
    return result


async def _idle(kind: str, url: str, sessions: int, server_pid: int) -> dict[str, Any]:
    await asyncio.sleep(0.5)
    before = _rss_bytes(server_pid)
    opened = await _open_sessions(kind, url, sessions)
    try:
        await asyncio.sleep(1.0)
        after = _rss_bytes(server_pid)
    finally:
        await _close_sessions(opened)
    return {
        "sessions": sessions,
        "rss_before_mib": round(before / 2**20, 2),
        "rss_after_mib": round(after / 2**20, 2),
        "kib_per_session": round((after - before) / sessions / 1024, 1),
    }


def _latency(args: argparse.Namespace, workload: Workload) -> dict[str, Any]:
    if args.kind == inprocess.OVERHEAD_KIND:
        raw = asyncio.run(inprocess.measure_overhead(workload, args.warmup, args.steps))
    elif args.kind in inprocess.FLOORS:
        raw = asyncio.run(inprocess.measure(args.kind, workload, args.warmup, args.steps))
    elif args.kind in clients.SYNC_CLIENTS:
        raw = _latency_sync(args.kind, args.url, workload, args.warmup, args.steps)
    else:
        raw = asyncio.run(_latency_async(args.kind, args.url, workload, args.warmup, args.steps))
    result = summarise(raw["latencies"], raw["elapsed_s"])
    if "env_latencies" in raw:
        result.update(overhead_figures(raw["latencies"], raw["env_latencies"]))
    if args.kind.startswith(("inproc-envbridge", inprocess.OVERHEAD_KIND)):
        from envbridge.spec import jsoncodec

        result["json"] = jsoncodec.ENCODER  # which codec the process ran (stdlib / orjson)
    return result


def measure(argv: list[str]) -> dict[str, Any]:
    """Run the measurement ``argv`` describes (see the module docstring); raises on failure."""
    parser = argparse.ArgumentParser(prog="python -m benchmarks.drive", exit_on_error=False)
    parser.add_argument("mode", choices=["latency", "load", "idle", "batch"])
    parser.add_argument("kind")
    parser.add_argument("--url", default="")
    parser.add_argument("--workload", default="counter", choices=sorted(WORKLOADS))
    parser.add_argument("--steps", type=int, default=5000)
    parser.add_argument("--warmup", type=int, default=200)
    parser.add_argument("--sessions", type=int, default=1)
    parser.add_argument("--duration", type=float, default=3.0)
    parser.add_argument("--server-pid", type=int, default=0)
    args = parser.parse_args(argv)
    workload = WORKLOADS[args.workload]
    if args.mode == "latency":
        return _latency(args, workload)
    if args.mode == "load":
        return asyncio.run(
            _load(args.kind, args.url, workload, args.sessions, args.warmup, args.duration)
        )
    if args.mode == "batch":
        return asyncio.run(_batch(args.url, workload, args.sessions, args.warmup, args.duration))
    return asyncio.run(_idle(args.kind, args.url, args.sessions, args.server_pid))


def main(argv: list[str] | None = None) -> int:
    """Run one measurement; print its JSON (``{"error": ...}`` and exit 1 on failure)."""
    try:
        result = measure(sys.argv[1:] if argv is None else argv)
    except Exception as exc:
        print(json.dumps({"error": f"{type(exc).__name__}: {exc}"}))
        traceback.print_exc(file=sys.stderr)
        return 1
    print(json.dumps(result))
    return 0


if __name__ == "__main__":
    sys.exit(main())
