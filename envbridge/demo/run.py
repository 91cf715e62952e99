"""``python -m envbridge.demo``: start four ecosystems' environments through envbridge,
check each with the conformance kit, then train over all of them through one pool."""

from __future__ import annotations

import argparse
import asyncio
import os
import signal
import time
from collections.abc import Sequence

from envbridge.demo import checks, vector_stage
from envbridge.demo.console import ProgressBar, table
from envbridge.demo.pieces import Piece, pieces
from envbridge.demo.training import EnvRun, train
from envbridge.pool import Pool, PoolError

FULL = {"episodes": 400, "seconds": 75.0}
QUICK = {"episodes": 160, "seconds": 30.0}
VECTOR_ENVS = 16
"""Sub-envs of the vector stage (sessions of the gymnasium server, one batch frame per step)."""


def parse(argv: Sequence[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        prog="python -m envbridge.demo",
        description="One trainer, many ecosystems: envbridge's main demo.",
    )
    parser.add_argument(
        "--quick",
        action="store_true",
        default=os.environ.get("CI", "").lower() in ("1", "true", "yes"),
        help="a shorter run (the default when CI=true)",
    )
    parser.add_argument(
        "--docker",
        action="store_true",
        help="run harbor tasks in Docker containers (needs an engine and envbridge/base:py3; "
        "default: bubblewrap sandboxes, which start faster)",
    )
    parser.add_argument("--episodes", type=int, help="learner episodes to train for")
    parser.add_argument("--seconds", type=float, help="training time limit")
    return parser.parse_args(argv)


def main(argv: Sequence[str] | None = None) -> int:
    """Run the demo; 0 when every started piece passed its MUST checks and trained."""
    args = parse(argv)
    budget = QUICK if args.quick else FULL
    episodes = args.episodes or int(budget["episodes"])
    seconds = args.seconds or budget["seconds"]
    try:
        return asyncio.run(_demo(pieces(args.quick, args.docker), args.quick, episodes, seconds))
    except (KeyboardInterrupt, asyncio.CancelledError):
        print("\ninterrupted; every server the demo started has been stopped")
        return 130


async def _demo(candidates: list[Piece], quick: bool, episodes: int, seconds: float) -> int:
    started = time.monotonic()
    this = asyncio.current_task()
    assert this is not None
    # SIGTERM (a CI timeout, `kill`) unwinds like Ctrl-C: the pool stops its servers
    asyncio.get_running_loop().add_signal_handler(signal.SIGTERM, this.cancel)
    print(f"envbridge demo: one trainer, many ecosystems{' (quick)' if quick else ''}\n")
    chosen = _choose(candidates)
    if not chosen:
        print("nothing to run: install the extras (pip install -e '.[dev]') and retry")
        return 1
    pool = Pool()
    for piece in chosen:
        pool.add(piece.server(), sessions=piece.sessions, name=piece.name)
    try:
        print(f"\n[2/4] starting {len(chosen)} server(s) through envbridge.Pool ...", flush=True)
        t = time.monotonic()
        try:
            await pool.launch()
        except PoolError as exc:
            print(f"  a server failed to start: {exc}")
            return 1
        for name, url in pool.urls().items():
            print(f"  {name:<10} {url}")
        print(f"  up in {time.monotonic() - t:.1f} s")
        verdicts = await _conformance(pool.urls(), quick)
        await pool.start()
        runs = _runs(pool, chosen)
        print(f"\n[4/4] training: one loop, one pool, {len(runs)} environment(s) "
              f"({len(pool)} sessions)")  # fmt: skip
        vector = _vector_stage(pool.urls().get("gymnasium"), seconds)
        wall = await train(pool, runs, episodes=episodes, seconds=seconds, bar=ProgressBar())
        _report(pool, runs, wall)
        if vector is not None:
            print("\n  beside it, a CleanRL-style loop on a remote gymnasium.vector.VectorEnv:")
            print("\n".join(vector_stage.report_lines(await vector)))
    finally:
        await pool.close()
    _provenance(chosen, verdicts is not None)
    print(f"\ndone in {time.monotonic() - started:.0f} s; every server the demo started is stopped")
    failed = [row.name for row in verdicts or [] if not row.passed]
    return 1 if failed else 0


def _vector_stage(url: str | None, seconds: float) -> asyncio.Future | None:
    """CartPole through ``as_gymnasium_vector`` in a thread, beside the pool stage."""
    if url is None:
        return None
    print(f"  and, in a second thread, CartPole through as_gymnasium_vector({VECTOR_ENVS})")
    return asyncio.ensure_future(
        asyncio.to_thread(vector_stage.train_vector, url, VECTOR_ENVS, seconds)
    )


def _choose(candidates: list[Piece]) -> list[Piece]:
    print("[1/4] environments")
    chosen = []
    for piece in candidates:
        reason = piece.skip_reason()
        print(f"  {piece.name:<10} {reason or 'ok: ' + piece.source}")
        if reason is None:
            chosen.append(piece)
    return chosen


async def _conformance(urls: dict[str, str], quick: bool) -> list[checks.CheckRow] | None:
    print(f"\n[3/4] conformance kit{' (quick checks)' if quick else ''} against each server")
    missing = checks.kit_missing()
    if missing:
        print(f"  {missing}")
        return None
    rows = []
    for name, url in urls.items():
        print(f"  checking {name} ...", flush=True)
        rows.append(await checks.check_server(name, url, quick))
    print("\n" + _indent(table(checks.HEADERS, [row.cells() for row in rows])))
    for row in rows:
        for failure in row.failures:
            print(f"  {row.name}: {failure}")
    return rows


def _runs(pool: Pool, chosen: list[Piece]) -> list[EnvRun]:
    return [
        EnvRun(piece.name, pool.indices(piece.name), piece.policy(piece.sessions))
        for piece in chosen
    ]


def _report(pool: Pool, runs: list[EnvRun], wall: float) -> None:
    stats = {s.name: s for s in pool.stats().servers}
    rows = []
    for run in runs:
        server = stats[run.name]
        rows.append([
            run.name, run.policy.description, len(run.sessions),
            "yes" if server.batched else "no", run.episodes, round(run.mean_return(), 2),
            run.steps, round(run.steps / wall), run.errors + server.reconnects,
        ])  # fmt: skip
    headers = ["environment", "policy", "sessions", "batched", "episodes", "mean reward",
               "steps", "steps/s", "errors"]  # fmt: skip
    print("\n" + _indent(table(headers, rows)))
    total = sum(run.steps for run in runs)
    print(f"\n  {total} steps in {wall:.1f} s: {total / wall:,.0f} steps/s through one pool")
    for run in runs:
        if run.policy.learns and run.episodes >= 2:
            k = max(1, min(len(run.sessions) * 2, run.episodes // 3))
            first = sum(run.returns[:k]) / k
            print(f"  {run.name} return, first {k} episodes: {first:.1f} -> last {k}: "
                  f"{run.mean_return(k):.1f}  ({run.policy.description})")  # fmt: skip


def _provenance(chosen: list[Piece], checked: bool) -> None:
    sources = "; ".join(f"{piece.name} = {piece.source}" for piece in chosen)
    kit = "envbridge.conformance run live against each server" if checked else "not run"
    print(
        f"\nwhere these numbers came from: conformance: {kit}; episodes, rewards and steps: "
        f"the servers' own replies through envbridge.Pool ({sources}); steps/s: wall clock "
        "of the training loop in this process"
    )


def _indent(text: str) -> str:
    return "\n".join("  " + line for line in text.splitlines())
