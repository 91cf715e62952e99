"""Trainer adapters, measured: TRL tool-call overhead and the remote Gymnasium vector env.

    python -m benchmarks.trainers [--quick] [--out benchmarks/results/trainers.json]

1. **TRL tools.** A counter server (``envbridge serve envs.native.counter:CounterEnv``,
   its own process). One ``environment_factory`` instance calls the trivial ``echo`` tool
   (the method TRL calls: a ``call_tool`` step over the instance's WebSocket): per-call
   latency p50/p99. Then 128 instances in flight on ONE asyncio loop, as AsyncGRPO's
   worker runs them (sync tools inline, an ``await`` between turns): errors, per-call
   loop-blocking time p50/p99, calls/s.
2. **Vector env.** CartPole-v1 served by ``envbridge serve gym:CartPole-v1`` (its own
   process), ``as_gymnasium_vector(N)`` against ``gymnasium.vector.SyncVectorEnv`` in
   process, N = 1, 16, 64, 256: env-steps/s (N x vector steps/s), fixed random actions.

Every figure comes with the load average at the time (the box may be shared).
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import platform
import statistics
import time
from pathlib import Path
from typing import Any

import gymnasium as gym
import numpy as np

import envbridge
from envbridge.integrations.servers import open_servers
from envbridge.integrations.trl import environment_factory

ROOT = Path(__file__).resolve().parent.parent


def percentiles(samples: list[float]) -> dict[str, float]:
    ordered = sorted(samples)
    return {
        "p50_ms": 1000 * ordered[len(ordered) // 2],
        "p99_ms": 1000 * ordered[min(len(ordered) - 1, int(len(ordered) * 0.99))],
        "mean_ms": 1000 * statistics.fmean(ordered),
    }


def trl_tools(calls: int, instances: int, turns: int) -> dict[str, Any]:
    with environment_factory("envs.native.counter:CounterEnv") as factory:
        env = factory()
        env.reset(seed=0)
        for _ in range(200):  # warm-up
            env.echo(message="hi")
        single = []
        for _ in range(calls):
            start = time.perf_counter()
            env.echo(message="hi")
            single.append(time.perf_counter() - start)
        result: dict[str, Any] = {"single": {**percentiles(single), "calls": calls}}
        result["single"]["load"] = os.getloadavg()[0]

        blocked: list[float] = []
        errors = 0

        async def rollout(i: int) -> None:
            nonlocal errors
            slot = factory()
            slot.reset(seed=i)
            for _ in range(turns):
                await asyncio.sleep(0)  # the model "generates"; other rollouts run
                start = time.perf_counter()
                try:
                    slot.echo(message=f"rollout {i}")
                except Exception:
                    errors += 1
                blocked.append(time.perf_counter() - start)
            slot.get_reward()

        async def all_rollouts() -> float:
            start = time.perf_counter()
            await asyncio.gather(*(rollout(i) for i in range(instances)))
            return time.perf_counter() - start

        elapsed = asyncio.run(all_rollouts())
        result["concurrent"] = {
            **percentiles(blocked),
            "instances": instances,
            "calls": len(blocked),
            "errors": errors,
            "calls_per_s": len(blocked) / elapsed,
            "load": os.getloadavg()[0],
        }
    return result


def vector_envs(sizes: list[int], seconds: float) -> list[dict[str, Any]]:
    rows = []
    servers = open_servers("gym:CartPole-v1", sessions=max(sizes) + 8)
    try:
        [url] = servers.urls.values()
        for n in sizes:
            row: dict[str, Any] = {"num_envs": n}
            local = gym.vector.SyncVectorEnv([lambda: gym.make("CartPole-v1")] * n)
            remote = envbridge.connect(url).as_gymnasium_vector(n)
            for name, envs in (("in_process", local), ("remote", remote)):
                rng = np.random.default_rng(0)
                actions = rng.integers(0, 2, size=(512, n))
                envs.reset(seed=0)
                for k in range(20):
                    envs.step(actions[k])
                steps, start = 0, time.perf_counter()
                while time.perf_counter() - start < seconds:
                    envs.step(actions[steps % 512])
                    steps += 1
                elapsed = time.perf_counter() - start
                row[f"{name}_env_steps_per_s"] = n * steps / elapsed
                row[f"{name}_step_ms"] = 1000 * elapsed / steps
                envs.close()
            row["ratio"] = row["remote_env_steps_per_s"] / row["in_process_env_steps_per_s"]
            row["load"] = os.getloadavg()[0]
            rows.append(row)
    finally:
        servers.close()
    return rows


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="python -m benchmarks.trainers", description=__doc__)
    parser.add_argument("--quick", action="store_true", help="tiny counts (a smoke run)")
    parser.add_argument("--out", default=str(ROOT / "benchmarks" / "results" / "trainers.json"))
    args = parser.parse_args(argv)
    calls, turns, seconds = (200, 3, 0.5) if args.quick else (3000, 20, 3.0)
    report = {
        "when": time.strftime("%Y-%m-%d %H:%M:%S UTC", time.gmtime()),
        "machine": f"{platform.machine()}, {os.cpu_count()} cpus, "
        f"Python {platform.python_version()}",
        "trl_tools": trl_tools(calls, 128, turns),
        "vector_cartpole": vector_envs([1, 16, 64, 256], seconds),
    }
    Path(args.out).parent.mkdir(parents=True, exist_ok=True)
    Path(args.out).write_text(json.dumps(report, indent=2) + "\n")
    print(json.dumps(report, indent=2))


if __name__ == "__main__":
    main()
