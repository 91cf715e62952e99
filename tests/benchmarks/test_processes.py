"""Benchmark server processes start on loopback, answer, and leave nothing behind."""

from __future__ import annotations

import asyncio
import os
import socket
import sys
import time

from benchmarks.clients import RawWebSocketClient
from benchmarks.processes import (
    Worker,
    cpu_seconds,
    free_port,
    run_json,
    running,
    start_server,
)


def _listening(port: int) -> bool:
    try:
        with socket.create_connection(("127.0.0.1", port), timeout=1):
            return True
    except ConnectionRefusedError:
        return False


async def _round_trip(url: str) -> None:
    client = RawWebSocketClient(url)
    await client.open()
    try:
        assert await client.step({"delta": 1}) is False
    finally:
        await client.close()


def test_echo_server_runs_and_is_reaped(tmp_path):
    port = free_port()
    argv = [sys.executable, "-m", "benchmarks.servers.raw_ws_echo", str(port)]
    server = start_server("raw-ws", argv, port, tmp_path)
    with running([server]) as servers:
        assert servers["raw-ws"].url == f"http://127.0.0.1:{port}"
        asyncio.run(_round_trip(server.url))
    assert server.process.returncode is not None
    assert not _listening(port)


def test_server_that_dies_at_start_is_reported_with_its_log(tmp_path):
    port = free_port()
    argv = [sys.executable, "-c", "import sys; print('boom'); sys.exit(3)"]
    server = start_server("broken", argv, port, tmp_path)
    try:
        with running([server], timeout_s=10):
            raise AssertionError("should not get here")
    except RuntimeError as exc:
        assert "exited with 3" in str(exc) and "boom" in str(exc)


def test_run_json_bounds_time_and_reports_failures():
    assert run_json([sys.executable, "-c", "print('{\"x\": 1}')"], 30) == {"x": 1}
    slow = run_json([sys.executable, "-c", "import time; time.sleep(5)"], 0.5)
    assert "timed out" in slow["error"]
    failed = run_json([sys.executable, "-c", "raise SystemExit('bad input')"], 30)
    assert "bad input" in failed["error"]


def test_worker_runs_measurements_in_one_process_and_survives_bad_ones(tmp_path):
    worker = Worker(sys.executable, tmp_path / "worker.log")
    try:
        first = worker.run(["latency", "inproc-envbridge-env", "--steps", "20"], 60)
        pid = worker._process.pid
        bad = worker.run(["latency", "inproc-envbridge-env", "--steps", "many"], 60)
        second = worker.run(["latency", "inproc-envbridge-core", "--steps", "20"], 60)
        assert first["steps"] == 20 and second["steps"] == 20
        assert "many" in bad["error"]
        assert worker._process.pid == pid  # one process served all three
    finally:
        worker.close()
    assert worker._process is None


def test_worker_that_overruns_is_killed_and_replaced(tmp_path):
    worker = Worker(sys.executable, tmp_path / "worker.log")
    try:
        slow = worker.run(["latency", "inproc-envbridge-env", "--steps", "100000000"], 1)
        assert "timed out" in slow["error"] and worker._process is None
        assert worker.run(["latency", "inproc-envbridge-env", "--steps", "5"], 60)["steps"] == 5
    finally:
        worker.close()


def test_cpu_seconds_grows_with_work():
    before = cpu_seconds(os.getpid())
    deadline = time.process_time() + 0.1
    while time.process_time() < deadline:
        pass
    assert cpu_seconds(os.getpid()) - before >= 0.05
