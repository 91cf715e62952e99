"""The measurement driver against real loopback servers and real clients."""

from __future__ import annotations

import asyncio
import json
import os

import pytest
from envbridge.spec.server import create_app

from benchmarks import drive, stats
from benchmarks.workloads import COUNTER, Workload
from envs.native.counter import CounterEnv
from tests.helpers import free_port, serving_app

BAD_ACTIONS = Workload("bad", COUNTER.envbridge_target, lambda i: {"delta": "many"})


@pytest.fixture(scope="module")
def server():
    app = create_app(CounterEnv, max_sessions=64)
    with serving_app(app) as url:
        yield app, url


@pytest.mark.parametrize("kind", ["envbridge", "openenv"])
def test_load_steps_every_session_and_releases_them(server, kind):
    app, url = server
    result = asyncio.run(drive._load(kind, url, COUNTER, sessions=4, warmup=2, duration=0.3))
    assert result["errors"] == 0 and result["sessions"] == 4
    assert result["steps"] >= 4 and result["steps_per_s"] > 0
    assert 0 < result["p50_us"] <= result["p99_us"]
    assert app.registry.active == 0


def test_load_counts_errors_instead_of_crashing(server):
    _, url = server
    with pytest.raises(Exception, match="VALIDATION_ERROR"):  # the warm-up step fails loudly
        asyncio.run(drive._load("envbridge", url, BAD_ACTIONS, 2, warmup=1, duration=0.2))
    result = asyncio.run(drive._load("envbridge", url, BAD_ACTIONS, 2, warmup=0, duration=0.2))
    assert result["errors"] == 2 and result["steps"] == 0
    assert "VALIDATION_ERROR" in result["first_error"]


def test_batch_steps_all_sessions_in_one_frame(server):
    app, url = server
    result = asyncio.run(drive._batch(url, COUNTER, sessions=8, warmup=2, duration=0.3))
    assert result["errors"] == 0 and result["sessions"] == 8
    assert result["steps"] % 8 == 0 and result["steps"] >= 8
    assert result["steps_per_s"] == pytest.approx(result["frames_per_s"] * 8, rel=0.01)
    assert app.registry.active == 0


def test_idle_reads_server_memory_and_closes_sessions(server):
    app, url = server
    result = asyncio.run(drive._idle("envbridge", url, sessions=8, server_pid=os.getpid()))
    assert result["sessions"] == 8
    assert result["rss_after_mib"] > 0 and isinstance(result["kib_per_session"], float)
    assert app.registry.active == 0


@pytest.mark.parametrize("kind", ["envbridge-sync", "openenv-sync"])
def test_sync_clients_time_every_step(server, kind):
    _, url = server
    raw = drive._latency_sync(kind, url, COUNTER, warmup=3, steps=25)
    assert len(raw["latencies"]) == 25 and all(t > 0 for t in raw["latencies"])


@pytest.mark.parametrize(
    "kind",
    ["inproc-envbridge-env", "inproc-envbridge-core", "inproc-openenv-env", "inproc-openenv-core"],
)
def test_in_process_floors(kind, capsys):
    assert drive.main(["latency", kind, "--steps", "50", "--warmup", "5"]) == 0
    result = json.loads(capsys.readouterr().out)
    assert result["steps"] == 50 and result["steps_per_s"] > 0 and result["errors"] == 0


def test_gym_env_floor_steps_the_bare_gymnasium_env(capsys):
    argv = ["latency", "inproc-gym-env", "--workload", "cartpole", "--steps", "50", "--warmup", "5"]
    assert drive.main(argv) == 0
    result = json.loads(capsys.readouterr().out)
    assert result["steps"] == 50 and result["steps_per_s"] > 0 and result["errors"] == 0


def test_bridge_overhead_times_frame_and_bare_env_alternately(capsys):
    argv = ["latency", "inproc-bridge-overhead", "--workload", "cartpole", "--steps", "200"]
    assert drive.main([*argv, "--warmup", "5"]) == 0
    result = json.loads(capsys.readouterr().out)
    assert result["steps"] == 200 and result["errors"] == 0
    # the frame includes the env's step, so the overhead is below the frame's p50
    assert 0 < result["env_p50_us"] < result["p50_us"]
    assert 0 < result["overhead_p50_us"] < result["p50_us"]


def test_overhead_figures_are_the_median_difference_not_a_difference_of_medians():
    frames = [10_000, 20_000, 30_000]
    envs = [9_000, 1_000, 29_000]  # per-step differences 1, 19, 1 us
    figures = stats.overhead_figures(frames, envs)
    assert figures == {"env_p50_us": 9.0, "overhead_p50_us": 1.0}


def test_gym_env_floor_refuses_a_workload_without_a_gym_env(capsys):
    assert drive.main(["latency", "inproc-gym-env", "--steps", "5", "--warmup", "1"]) != 0
    assert "gym:" in json.loads(capsys.readouterr().out)["error"]


def test_unreachable_server_is_a_json_error_not_a_traceback_on_stdout(capsys):
    url = f"http://127.0.0.1:{free_port()}"
    assert drive.main(["latency", "envbridge", "--url", url, "--steps", "5"]) == 1
    result = json.loads(capsys.readouterr().out)
    assert "cannot open" in result["error"]
