"""A server restart drops every connection: the pool reconnects, says so, and counts it."""

from __future__ import annotations

import contextlib
import logging
import os
import signal

import pytest
from envbridge.spec.client import ConnectionFailed

from envbridge import SyncPool
from envbridge.pool import SessionLost, TargetSource
from tests.helpers import ROOT, envbridge_cli, free_port, start_process, stop_process, wait_healthy
from tests.pool.leaks import child_pids


@contextlib.contextmanager
def restartable_counter():
    """An envbridge counter server on a fixed port; yields (url, restart, stop)."""
    port = free_port()
    argv = envbridge_cli("serve", "envs.native.counter:CounterEnv", "--port", str(port))
    url = f"http://127.0.0.1:{port}"
    current = {}

    def start():
        current["process"], _ = start_process(lambda _port: argv, cwd=str(ROOT))
        wait_healthy(url, 60, current["process"])

    def stop():
        if current.get("process"):
            stop_process(current.pop("process"))

    def restart():
        stop()
        start()

    start()
    try:
        yield url, restart, stop, start
    finally:
        stop()


def _pool(url: str, sessions: int, batch: bool | str = "auto", **settings) -> SyncPool:
    pool = SyncPool(**settings)
    pool.add(url, sessions=sessions, name="counter", batch=batch)
    return pool


@pytest.mark.parametrize("batch", [True, False], ids=["batched", "one-connection-each"])
def test_restart_loses_episodes_reconnects_and_says_so(batch, caplog):
    with restartable_counter() as (url, restart, _, _), _pool(url, 3, batch) as pool:
        assert pool.stats().server("counter").batched is batch
        pool.reset(seed=0)
        assert [r.reward for r in pool.step([{"delta": 1}] * 3)] == [1, 1, 1]

        restart()
        with caplog.at_level(logging.WARNING, logger="envbridge.pool"):
            lost = pool.step([{"delta": 1}] * 3)
        assert [type(r.error) for r in lost] == [SessionLost] * 3
        assert all(r.reconnected for r in lost)
        assert "reset it to continue" in str(lost[0].error)
        assert "reconnected" in caplog.text and "counter" in caplog.text
        warnings = [r for r in caplog.records if r.levelno == logging.WARNING]
        assert len(warnings) == 1  # one restart, one warning, however many connections
        assert pool.stats().reconnects == (1 if batch else 3)

        # steps stay refused until the session is reset; then all is well again
        assert isinstance(pool.step({0: {"delta": 1}})[0].error, SessionLost)
        again = pool.reset(seed=0)
        assert [r.observation["count"] for r in again] == [0, 1, 2]
        assert [r.observation["count"] for r in pool.step([{"delta": 2}] * 3)] == [2, 3, 4]


@pytest.mark.parametrize("batch", [True, False], ids=["batched", "one-connection-each"])
def test_a_reset_that_meets_a_dropped_connection_is_retried(batch):
    with restartable_counter() as (url, restart, _, _), _pool(url, 2, batch) as pool:
        pool.reset(seed=1)
        restart()
        results = pool.reset(seed=3)
        assert [r.observation["count"] for r in results] == [3, 4]
        assert all(r.reconnected for r in results)
        assert pool.stats().reconnects >= 1


def test_a_server_that_stays_down_gives_error_results_not_a_crash():
    with (
        restartable_counter() as (url, _, stop, start),
        _pool(url, 2, reconnect_timeout_s=0.5) as pool,
    ):
        pool.reset()
        stop()
        results = pool.step([{"delta": 1}] * 2)
        assert all(isinstance(r.error, ConnectionFailed) for r in results)
        assert "could not reconnect" in str(results[0].error)
        start()
        assert all(r.ok for r in pool.reset())  # back as soon as the server is


def test_the_pool_restarts_a_server_process_it_owns_when_it_dies(caplog):
    before = child_pids()
    pool = SyncPool()
    pool.add(TargetSource("envs.native.counter:CounterEnv", cwd=ROOT), sessions=2, name="owned")
    with pool:
        pool.reset(seed=0)
        (server_pid,) = child_pids() - before
        os.killpg(server_pid, signal.SIGKILL)
        os.waitpid(server_pid, 0)  # reap here, so the pool sees the exit
        with caplog.at_level(logging.WARNING, logger="envbridge.pool"):
            lost = pool.step([{"delta": 1}] * 2)
        assert all(isinstance(r.error, SessionLost) for r in lost)
        stats = pool.stats().server("owned")
        assert stats.restarts == 1 and stats.reconnects >= 1
        assert "restarted" in caplog.text
        assert [r.observation["count"] for r in pool.reset(seed=0)] == [0, 1]
