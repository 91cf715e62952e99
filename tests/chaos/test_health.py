"""/health tells the truth: 503 with a reason while a shared worker is wedged or dead,
200 again after recovery; the dead worker's waiting calls get a clear error; the
conformance kit and the Pool report it. A real SupervisedLoop (short limits) beside a
real server; the verifiers bridge's own loop is killed for real through env code."""

from __future__ import annotations

import asyncio
import json
import subprocess
import sys
import threading
import time
from collections.abc import Callable
from typing import Any

import pytest
from envbridge.spec.client import SyncClient
from envbridge.spec.client.protocol import ServerError
from envbridge.spec.worker import SupervisedLoop, WorkerDied

from envbridge.pool import SyncPool
from envs.native.counter import CounterEnv
from tests.bridges.verifiers.conftest import SAMPLE_PYTHONPATH
from tests.chaos.harness import chaos_server, health
from tests.helpers import serving

WORKER_NAME = "chaos test worker"


def wait_for(predicate: Callable[[], Any], timeout_s: float = 20.0) -> Any:
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        value = predicate()
        if value:
            return value
        time.sleep(0.05)
    raise AssertionError("condition not met in time")


def unhealthy_because(url: str, fragment: str) -> bool:
    status, body = health(url)
    return status == 503 and body["status"] == "unhealthy" and fragment in str(body["reasons"])


@pytest.fixture
def worker():
    loop = SupervisedLoop(
        WORKER_NAME, wedge_after_s=1.0, beat_s=0.1, crash_budget=2, restart_delay_s=2.0
    )
    yield loop
    loop.stop()


def test_a_wedged_worker_is_503_with_its_reason_until_it_unblocks(worker) -> None:
    worker.loop()
    with serving(CounterEnv) as url:
        assert health(url) == (200, {"status": "healthy"})
        worker.loop().call_soon_threadsafe(time.sleep, 8.0)  # env code blocking the loop
        wait_for(lambda: unhealthy_because(url, f"{WORKER_NAME}: its event loop is wedged"))
        check = subprocess.run(
            [sys.executable, "-m", "envbridge", "check", url, "--only", "http.health", "--quiet"],
            capture_output=True,
            text=True,
            timeout=60,
        )
        assert check.returncode == 1, check.stdout
        assert "unhealthy" in check.stdout and "wedged" in check.stdout, check.stdout
        pool = SyncPool()
        pool.add(url, sessions=1)
        with pool:
            assert "wedged" in " ".join(pool.health()[pool.envs[0]])
            wait_for(lambda: health(url)[0] == 200)
            assert pool.health() == {pool.envs[0]: []}


def test_a_dead_worker_fails_its_calls_clearly_and_comes_back(worker) -> None:
    outcome: dict[str, BaseException] = {}

    def waiting_call() -> None:
        try:
            asyncio.run(worker.run(asyncio.Event().wait()))
        except BaseException as exc:
            outcome["error"] = exc

    caller = threading.Thread(target=waiting_call)
    caller.start()
    wait_for(lambda: worker._pending)
    generation = worker.generation
    with serving(CounterEnv) as url:

        def escape() -> None:
            raise SystemExit("not authenticated: set $CHAOS_API_KEY")

        for _ in range(3):  # one more than the crash budget
            worker.loop().call_soon_threadsafe(escape)
            time.sleep(0.05)
        wait_for(lambda: unhealthy_because(url, "its worker thread died (SystemExit"))
        caller.join(timeout=10)
        assert isinstance(outcome.get("error"), WorkerDied), outcome
        assert "send reset" in str(outcome["error"])
        wait_for(lambda: health(url) == (200, {"status": "healthy"}))
        assert worker.generation == generation + 1
        assert asyncio.run(worker.run(asyncio.sleep(0, "alive"))) == "alive"


def said(words: str) -> dict[str, str]:
    return {"role": "assistant", "content": words}


def test_killing_the_verifiers_rollout_loop_loses_only_its_episodes() -> None:
    """SystemExit escaping the shared loop more often than its budget kills it for real;
    the episode it held gets a clear error, new episodes work, /health recovers."""
    env = {"PYTHONPATH": SAMPLE_PYTHONPATH}
    with (
        chaos_server("tests.chaos.vf_chaos:FACTORY", env=env) as url,
        SyncClient(url, timeout_s=30) as holder,
        SyncClient(url, timeout_s=30) as attacker,
    ):
        holder.reset(task_index=0)
        holder.step(said("hi"))
        for _ in range(6):  # the budget is 5 escapes in 10 s
            attacker.reset(task_index=2)
            with pytest.raises(ServerError):
                attacker.step(said("exit-nested"))
        with pytest.raises(ServerError) as lost:
            holder.step(said("still there?"))
        assert lost.value.code == "EXECUTION_ERROR"
        assert "rollout loop died" in str(lost.value) and "send reset" in str(lost.value)
        wait_for(lambda: health(url) == (200, {"status": "healthy"}))
        holder.reset(task_index=0)
        assert holder.step(said("back")).done is False
        print("verifiers loop killed:", json.dumps(str(lost.value))[:200])
