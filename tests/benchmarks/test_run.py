"""One whole (tiny) benchmark pass: real servers in processes, real clients, the report.

Only envbridge's servers and clients run here (``--stacks envbridge,fast``): the official
stack's import alone takes seconds per process, and ``tests/benchmarks/test_drive.py``
drives the official clients already.
"""

from __future__ import annotations

import importlib.util
import sys
from pathlib import Path

import pytest

from benchmarks import footprint, report, run, stacks
from benchmarks.workloads import CARTPOLE, COUNTER, WORKLOADS, Workload


def test_footprint_follows_runtime_requirements_not_extras():
    names = {d.metadata["Name"].lower().replace("_", "-") for d in footprint.closure("envbridge")}
    assert {"envbridge", "pydantic", "pydantic-core", "websockets", "uvicorn", "httpx"} <= names
    assert not names & {"gymnasium", "verifiers", "docker", "hypothesis", "numpy"}


def test_a_tiny_run_measures_every_section_without_errors(tmp_path):
    args = run.parse_args(["--quick", "--stacks", "envbridge,fast"])
    args.steps, args.http_steps, args.levels, args.duration = 40, 20, [1, 4], 0.3
    args.idle_sessions, args.batch_sessions = 4, 4
    py = stacks.Interpreters(Path(sys.executable), Path(sys.executable))
    results = run.measure_workload(args, py, COUNTER, tmp_path)
    sections = ("idle", "inprocess", "ws", "ws_sync", "http", "ws_load", "http_load", "ws_batch")
    for section in sections:
        assert results[section], section
    flat = [
        (section, label, r)
        for section in sections
        for label, value in results[section].items()
        for r in (value.values() if section.endswith(("_load", "_batch")) else [value])
    ]
    failures = [(s, label, r) for s, label, r in flat if "error" in r or r.get("errors")]
    assert not failures
    # no official, no floors
    assert set(results["ws"]) == {report.OURS_WS, report.FAST_WS, report.ASGI_WS}
    ours = results["ws"][report.OURS_WS]
    assert ours["server_cpu_us"] >= 0 and ours["client_cpu_us"] >= 0
    assert "server_cpu_us" not in results["inprocess"]["envbridge env.step"]  # no server
    assert set(results["ws_load"]) == {report.OURS_WS, report.FAST_WS}
    assert set(results["ws_load"][report.OURS_WS]) == {"1", "4"}
    frames = results["inprocess"]
    assert set(frames) == {"envbridge env.step", report.BRIDGE_FRAME, report.FAST_FRAME}
    # the core rows run the standard library's JSON, the [fast] row orjson
    assert frames[report.BRIDGE_FRAME]["json"] == "stdlib"
    assert frames[report.FAST_FRAME]["json"] == "orjson"
    text = report.markdown({"workloads": {"counter": results}, "footprint": {}})
    assert "`counter`" in text and "Batched stepping" in text


def test_unknown_stack_is_a_usage_error(capsys):
    with pytest.raises(SystemExit):
        run.parse_args(["--stacks", "envbridge,nope"])
    assert "unknown --stacks ['nope']" in capsys.readouterr().err


def test_workloads_are_measured_only_when_their_bridge_is_installed():
    assert WORKLOADS["counter"].available()
    gym_bridge = importlib.util.find_spec("envbridge.bridges.gymnasium") is not None
    assert WORKLOADS["cartpole"].available() is gym_bridge
    missing = Workload("x", "no_such_module.anywhere:Factory", COUNTER.action)
    assert not missing.available()


@pytest.mark.skipif(not CARTPOLE.available(), reason="the gymnasium bridge is not installed")
def test_a_bridged_row_runs_its_short_plan(tmp_path):
    args = run.parse_args(["--quick", "--stacks", "envbridge"])
    args.steps, args.http_steps, args.duration = 40, 20, 0.3
    py = stacks.Interpreters(Path(sys.executable), Path(sys.executable))
    results = run.measure_workload(args, py, CARTPOLE, tmp_path)
    sections = {"description", "inprocess", "overhead", "ws", "ws_share", "http", "ws_load"}
    assert set(results) == sections
    assert set(results["ws_share"]) == {report.SHARE_COUNTER, report.OURS_WS}
    assert all("error" not in r and r["steps"] > 0 for r in results["ws_share"].values())
    paired = results["overhead"][report.BRIDGE_FRAME]
    assert paired["json"] == "stdlib" and paired["env_p50_us"] > 0
    assert 0 < paired["overhead_p50_us"] < paired["p50_us"]
    assert set(results["ws_load"][report.OURS_WS]) == {"64"}
    rows = [*results["inprocess"].values(), *results["ws"].values(), *results["http"].values()]
    assert all("error" not in r and r["steps"] > 0 for r in rows), rows
    assert results["ws_load"][report.OURS_WS]["64"]["errors"] == 0
