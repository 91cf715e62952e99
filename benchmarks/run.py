"""``make bench``: envbridge and the official OpenEnv stack, measured in one run.

    python -m benchmarks.run [--quick] [--reps N] [--concurrency 1,8,64,512] ...

Servers and clients run in separate processes on 127.0.0.1 (one long-lived client
process per virtualenv, so each client library is imported once); every measurement
is bounded in time. Repetitions interleave the stacks (A B C, A B C, ...) so a noisy
neighbour slows them alike. Writes ``benchmarks/results/latest.{json,md,png}`` and
refreshes the table in ``docs/benchmarks.md``.
"""

from __future__ import annotations

import argparse
import contextlib
import datetime as dt
import importlib.util
import json
import os
import platform
import resource
import shutil
import signal
import subprocess
import sys
import tempfile
from pathlib import Path
from typing import Any

from benchmarks import loadguard, report, scale, stacks
from benchmarks.processes import (
    ROOT,
    Worker,
    cpu_seconds,
    free_port,
    run_json,
    running,
    start_server,
)
from benchmarks.setup_venv import ensure_openenv_venv
from benchmarks.stats import median_of
from benchmarks.workloads import WORKLOADS, Workload

RESULTS = ROOT / "benchmarks" / "results"
DOCS_PAGE = ROOT / "docs" / "benchmarks.md"
DOCS_PLOT = ROOT / "docs" / "benchmarks-latency.png"
SESSION_HEADROOM = 64


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    """Command-line settings; ``--quick`` shrinks everything for a smoke run."""
    parser = argparse.ArgumentParser(prog="python -m benchmarks.run", description=__doc__)
    parser.add_argument("--reps", type=int, default=3, help="single-session repetitions")
    parser.add_argument("--steps", type=int, default=3000, help="timed WS steps per repetition")
    parser.add_argument("--http-steps", type=int, default=500, help="timed HTTP steps")
    parser.add_argument("--warmup", type=int, default=200, help="untimed steps first")
    parser.add_argument(
        "--load-warmup", type=int, default=5, help="untimed steps per session before load"
    )
    parser.add_argument("--concurrency", default="1,8,64,512", help="session counts for load")
    parser.add_argument("--duration", type=float, default=2.0, help="seconds per load window")
    parser.add_argument("--idle-sessions", type=int, default=512)
    parser.add_argument("--batch-sessions", type=int, default=64, help="sessions per batch")
    parser.add_argument("--import-reps", type=int, default=3)
    parser.add_argument("--workloads", default=",".join(WORKLOADS))
    parser.add_argument(
        "--stacks",
        default=",".join(stacks.STACKS),
        help="which servers and clients to run (default: all of envbridge,openenv,floors,fast; "
        "fast: envbridge[fast], uvloop and orjson, when installed)",
    )
    parser.add_argument("--openenv-venv", type=Path, default=ROOT / ".venv-bench-openenv")
    parser.add_argument("--out", type=Path, default=RESULTS)
    parser.add_argument("--no-docs", action="store_true", help="leave docs/benchmarks.md alone")
    parser.add_argument(
        "--load-reruns",
        type=int,
        default=None,
        help="reruns of a pairing while the load average exceeds the core count "
        "(default 2; 0 with --quick)",
    )
    parser.add_argument(
        "--scale-sessions",
        type=int,
        default=16384,
        help="WS sessions on one server, driven from --scale-clients processes (0: skip)",
    )
    parser.add_argument("--scale-clients", type=int, default=4)
    parser.add_argument("--quick", action="store_true", help="tiny run (smoke test)")
    args = parser.parse_args(argv)
    if args.load_reruns is None:
        args.load_reruns = 0 if args.quick else 2
    if args.quick:
        args.reps, args.steps, args.http_steps, args.warmup, args.load_warmup = 1, 300, 100, 20, 2
        args.concurrency, args.duration, args.idle_sessions = "1,8", 0.5, 16
        args.batch_sessions = 8
        args.import_reps = 1
        args.scale_sessions = min(args.scale_sessions, 256)
    args.levels = [int(n) for n in args.concurrency.split(",") if n.strip()]
    unknown_workloads = set(args.workloads.split(",")) - set(WORKLOADS)
    if unknown_workloads:
        parser.error(
            f"unknown --workloads {sorted(unknown_workloads)}; choose from {sorted(WORKLOADS)}"
        )
    args.stack_set = {name.strip() for name in args.stacks.split(",") if name.strip()}
    if "fast" in args.stack_set and not all(
        importlib.util.find_spec(name) for name in ("uvloop", "orjson")
    ):
        args.stack_set.discard("fast")  # envbridge[fast] not installed: no [fast] rows
    unknown = args.stack_set - set(stacks.STACKS)
    if unknown:
        parser.error(f"unknown --stacks {sorted(unknown)}; choose from {', '.join(stacks.STACKS)}")
    return args


def raise_fd_limit(sessions: int) -> int:
    """Lift the open-files soft limit (inherited by every child); the limit in force."""
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    wanted = max(soft, min(hard, 4 * sessions + 1024))
    if wanted > soft:
        resource.setrlimit(resource.RLIMIT_NOFILE, (wanted, hard))
    return wanted


SHARE_REPS = 5
"""Repetitions, at least, of the bridged env against the counter (judged on paired ratios)."""


class Runner:
    """Runs measurement processes against the servers of one workload."""

    def __init__(
        self,
        args: argparse.Namespace,
        py: stacks.Interpreters,
        workload: Workload,
        log_dir: Path,
    ):
        self.args = args
        self.workload = workload
        self.servers: dict[str, Any] = {}
        self.workers = {
            "envbridge": Worker(
                str(py.envbridge), log_dir / "client-envbridge.log", stacks.CORE_JSON
            ),
            "envbridge-fast": Worker(
                str(py.envbridge), log_dir / "client-envbridge-fast.log", stacks.FAST_JSON
            ),
            "openenv": Worker(str(py.openenv), log_dir / "client-openenv.log"),
        }

    def close(self) -> None:
        """Stop the measurement processes."""
        for worker in self.workers.values():
            worker.close()

    def available(self, pairing: stacks.Pairing) -> bool:
        if pairing.server is not None and pairing.server not in self.servers:
            return False
        if pairing.venv == "envbridge-fast" and "fast" not in self.args.stack_set:
            return False
        uses_openenv = pairing.venv == "openenv" or pairing.server == "openenv"
        return not uses_openenv or (
            "openenv" in self.args.stack_set and self.workload.openenv_app is not None
        )

    def drive(self, pairing: stacks.Pairing, mode: str, *extra: str, timeout_s: float) -> dict:
        warmup = self.args.warmup if mode == "latency" else self.args.load_warmup
        workload = pairing.workload or self.workload.name
        argv = [mode, pairing.client, "--workload", workload, "--warmup", str(warmup)]
        if pairing.server is not None:
            argv += ["--url", self.servers[pairing.server].url]
        return self.workers[pairing.venv].run([*argv, *extra], timeout_s)

    def single(
        self, pairings: list[stacks.Pairing], steps: int, reps: int | None = None
    ) -> dict[str, Any]:
        """Single-session latency, repetitions interleaved across pairings."""
        usable = [p for p in pairings if self.available(p)]
        runs: dict[str, list[dict]] = {p.label: [] for p in usable}
        errors: dict[str, str] = {}
        for _ in range(reps or self.args.reps):
            for pairing in usable:
                result = self.guarded(lambda pairing=pairing: self.timed_latency(pairing, steps))
                if "error" in result:
                    errors[pairing.label] = result["error"]
                else:
                    runs[pairing.label].append(result)
        out: dict[str, Any] = {}
        for pairing in usable:
            if runs[pairing.label]:
                out[pairing.label] = {
                    **median_of(runs[pairing.label]),
                    **loadguard.combine(runs[pairing.label]),
                }
            else:
                out[pairing.label] = {"error": errors.get(pairing.label, "no result")}
        return out

    def guarded(self, measure: Any) -> dict[str, Any]:
        """``measure()`` with its load average recorded, rerun while the machine is busy."""
        return loadguard.guarded(measure, reruns=self.args.load_reruns, note=_progress)

    def timed_latency(self, pairing: stacks.Pairing, steps: int) -> dict[str, Any]:
        """One latency measurement plus the CPU time server and client spent per step.

        CPU time per step barely moves when a noisy neighbour steals the cores, so it
        compares stacks more steadily than wall-clock latency on a shared machine.
        """
        server = self.servers[pairing.server].pid if pairing.server else None
        worker = self.workers[pairing.venv]
        client = worker.pid
        server_before = cpu_seconds(server) if server else 0.0
        client_before = cpu_seconds(client)
        result = self.drive(pairing, "latency", "--steps", str(steps), timeout_s=180)
        if "error" in result:
            return result
        per_step = 1e6 / (steps + self.args.warmup)
        if server:
            result["server_cpu_us"] = round((cpu_seconds(server) - server_before) * per_step, 1)
        if worker.pid == client:
            result["client_cpu_us"] = round((cpu_seconds(client) - client_before) * per_step, 1)
        return result

    def load(self, pairings: list[stacks.Pairing], levels: list[int]) -> dict[str, Any]:
        """Aggregate throughput at each concurrency level, all pairings per level."""
        out: dict[str, dict[str, Any]] = {}
        for level in levels:
            for pairing in (p for p in pairings if self.available(p)):
                result = self.guarded(
                    lambda pairing=pairing, level=level: self.drive(
                        pairing,
                        "load",
                        "--sessions",
                        str(level),
                        "--duration",
                        str(self.args.duration),
                        timeout_s=self.args.duration + 60 + level * 0.5,
                    )
                )
                out.setdefault(pairing.label, {})[str(level)] = result
                _progress(f"load {level:>4} {pairing.label}: {_brief(result)}")
        return out

    def batch(self) -> dict[str, Any]:
        """Batched stepping: ``--batch-sessions`` sessions on one connection, one frame each."""
        pairing = stacks.BATCH_PAIRING
        if not self.available(pairing):
            return {}
        sessions, duration = str(self.args.batch_sessions), str(self.args.duration)
        result = self.guarded(
            lambda: self.drive(
                pairing, "batch", "--sessions", sessions, "--duration", duration, timeout_s=120
            )
        )
        _progress(f"batch {sessions} {pairing.label}: {_brief(result)}")
        return {pairing.label: {sessions: result}}

    def idle(self) -> dict[str, Any]:
        """Server memory per idle session (measured first, on fresh servers)."""
        out = {}
        for pairing in (p for p in stacks.IDLE_PAIRINGS if self.available(p)):
            pid = str(self.servers[pairing.server].pid)
            sessions = str(self.args.idle_sessions)
            out[pairing.label] = self.drive(
                pairing, "idle", "--sessions", sessions, "--server-pid", pid, timeout_s=180
            )
            _progress(f"idle {pairing.label}: {out[pairing.label]}")
        return out


def _brief(result: dict[str, Any]) -> str:
    if "error" in result:
        return f"ERROR {result['error']}"
    return f"{result.get('steps_per_s')} steps/s, p50 {result.get('p50_us')} us"


def _progress(line: str) -> None:
    print(f"bench: {line}", file=sys.stderr, flush=True)


def measure_workload(
    args: argparse.Namespace, py: stacks.Interpreters, workload: Workload, log_dir: Path
) -> dict[str, Any]:
    """Every measurement of one workload, with its servers up for the duration."""
    max_sessions = max([*args.levels, args.idle_sessions]) + SESSION_HEADROOM
    specs = [
        spec
        for spec in stacks.servers(py, workload, max_sessions)
        if stacks.STACK_OF_SERVER[spec.name] in args.stack_set
    ]
    launched = []
    for spec in specs:
        port = free_port()
        launched.append(start_server(spec.name, spec.argv(port), port, log_dir, spec.env))
    runner = Runner(args, py, workload, log_dir)
    with running(launched) as servers, contextlib.closing(runner):
        runner.servers = servers
        results: dict[str, Any] = {"description": workload.description}
        if workload.full:
            results["idle"] = runner.idle()
        _progress(f"{workload.name}: in-process floors")
        floors = list(stacks.INPROCESS_PAIRINGS)
        if workload.envbridge_target.startswith("gym:"):
            floors.append(stacks.GYM_ENV_PAIRING)
        results["inprocess"] = runner.single(floors, args.steps)
        if workload.envbridge_target.startswith("gym:"):
            results["overhead"] = runner.single(stacks.OVERHEAD_PAIRINGS, args.steps)
        _progress(f"{workload.name}: single-session WebSocket")
        results["ws"] = runner.single(stacks.WS_PAIRINGS, args.steps)
        if "envbridge-counter" in runner.servers:
            _progress(f"{workload.name}: /ws against the counter, interleaved")
            share_reps = max(args.reps, SHARE_REPS)
            results["ws_share"] = runner.single(stacks.SHARE_PAIRINGS, args.steps, share_reps)
        if workload.full:
            results["ws_sync"] = runner.single(stacks.WS_SYNC_PAIRINGS, args.steps)
        _progress(f"{workload.name}: single-session HTTP")
        results["http"] = runner.single(stacks.HTTP_PAIRINGS, args.http_steps)
        levels = list(workload.load_levels or args.levels)
        results["ws_load"] = runner.load(stacks.WS_LOAD_PAIRINGS, levels)
        if workload.full:
            results["http_load"] = runner.load(stacks.HTTP_PAIRINGS, levels)
            results["ws_batch"] = runner.batch()
    return results


def footprints(py: stacks.Interpreters, reps: int) -> dict[str, Any]:
    """Installed packages, size and import times of envbridge's core and of openenv."""
    eb = [
        str(py.envbridge), "-m", "benchmarks.footprint", "envbridge",
        "--import", "envbridge", "--import", "envbridge.spec.client",
        "--import", "envbridge.spec.server", "--reps", str(reps),
    ]  # fmt: skip
    for folder in ("envbridge", "spec", "bridges", "conformance"):
        eb += ["--self-dir", str(ROOT / folder)]
    oe = [
        str(py.openenv), "-m", "benchmarks.footprint", "openenv",
        "--import", "openenv", "--import", "openenv.core.generic_client",
        "--import", "openenv.core.env_server.http_server", "--reps", str(reps),
    ]  # fmt: skip
    return {"envbridge": run_json(eb, 600), "openenv": run_json(oe, 600)}


def _versions(python: Path, names: list[str]) -> dict[str, str | None]:
    code = (
        "import json, importlib.metadata as m, sys\n"
        "def v(n):\n"
        "    try: return m.version(n)\n"
        "    except m.PackageNotFoundError: return None\n"
        f"print(json.dumps({{n: v(n) for n in {names!r}}}))"
    )
    out = subprocess.run([str(python), "-c", code], capture_output=True, text=True, check=True)
    return json.loads(out.stdout)


def machine_info(py: stacks.Interpreters) -> dict[str, Any]:
    """Where and with what the numbers were taken."""
    libs = ["uvicorn", "websockets", "pydantic", "httpx", "uvloop", "httptools", "wsproto"]
    return {
        "date": dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
        "cpus": os.cpu_count(),
        "load_average": os.getloadavg(),
        "python": platform.python_version(),
        "platform": platform.platform(),
        "envbridge_venv": _versions(py.envbridge, ["envbridge", *libs]),
        "openenv_venv": _versions(py.openenv, ["openenv", "fastapi", *libs]),
    }


def _exit_on_signal(signum: int, _frame: object) -> None:
    raise SystemExit(128 + signum)  # unwinds the ``finally`` blocks that stop the servers


def main(argv: list[str] | None = None) -> int:
    """Run everything, write the results, print the table."""
    args = parse_args(argv)
    for signum in (signal.SIGTERM, signal.SIGINT):
        signal.signal(signum, _exit_on_signal)
    args.out.mkdir(parents=True, exist_ok=True)
    openenv_python = ensure_openenv_venv(args.openenv_venv)
    py = stacks.Interpreters(Path(sys.executable), openenv_python)
    fd_limit = raise_fd_limit(max([*args.levels, args.idle_sessions]))
    results: dict[str, Any] = {
        "config": {
            k: v
            for k, v in vars(args).items()
            if k not in ("out", "openenv_venv", "levels", "stack_set")
        },
        "machine": machine_info(py),
    }
    results["config"]["fd_limit"] = fd_limit
    results["footprint"] = footprints(py, args.import_reps)
    _progress(f"footprint: {json.dumps(results['footprint'])[:300]}")
    results["workloads"] = {}
    with tempfile.TemporaryDirectory(prefix="envbridge-bench-") as log_dir:
        for name in args.workloads.split(","):
            if not WORKLOADS[name].available():
                _progress(f"{name}: skipped, {WORKLOADS[name].envbridge_target} not installed")
                continue
            results["workloads"][name] = measure_workload(args, py, WORKLOADS[name], Path(log_dir))
    if args.scale_sessions:
        _progress(f"scale: {args.scale_sessions} WS sessions on one server")
        results["scale"] = loadguard.guarded(
            lambda: scale.measure(args.scale_sessions, args.scale_clients, steps=3),
            reruns=args.load_reruns,
            note=_progress,
        )
        _progress(f"scale: {json.dumps(results['scale'])}")
    results["machine"]["load_average_end"] = os.getloadavg()
    json_path = args.out / "latest.json"
    json_path.write_text(json.dumps(results, indent=2))
    table = report.markdown(results)
    (args.out / "latest.md").write_text(table)
    print(table)
    png = args.out / "latest.png"
    plotted = subprocess.run(
        [str(openenv_python), "-m", "benchmarks.plot", str(json_path), str(png)], cwd=ROOT
    )
    if not args.no_docs:
        report.update_docs(DOCS_PAGE, table)
        if plotted.returncode == 0:
            shutil.copyfile(png, DOCS_PLOT)
    print(f"bench: wrote {json_path}, {args.out / 'latest.md'}, {png}", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
