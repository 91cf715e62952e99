"""Shared servers for the pool tests, and a leak check around every test."""

from __future__ import annotations

import pytest

from envs.native.counter import CounterEnv
from tests.helpers import ROOT, serving, serving_process, uvicorn_app
from tests.pool.leaks import child_pids, pool_logs, settle
from tests.tmpdirs import private_tmpdir


@pytest.fixture(scope="package", autouse=True)
def own_temp_dir(tmp_path_factory):
    """Pool logs of this run go to a folder of its own (TMPDIR, inherited by the servers),
    so the leak check counts only this run's logs, not those of concurrent runs."""
    tmp_path_factory.getbasetemp()  # pin pytest's own temp root before TMPDIR changes
    with private_tmpdir("pool-tests-") as folder:
        yield folder


@pytest.fixture(autouse=True)
def no_leaked_processes_or_logs(own_temp_dir):
    """Every test leaves the processes and pool log files it found, and no more."""
    children, logs = child_pids(), pool_logs()
    yield
    assert settle(lambda: child_pids() <= children), f"leaked {child_pids() - children}"
    assert pool_logs() <= logs, f"leaked {pool_logs() - logs}"


@pytest.fixture(scope="module")
def counter_url():
    """envbridge's counter env (batching on), in this process."""
    with serving(CounterEnv, max_sessions=256) as url:
        yield url


@pytest.fixture(scope="module")
def second_counter_url():
    """Another envbridge counter server, so one pool spans two servers of one kind."""
    with serving(CounterEnv, max_sessions=256) as url:
        yield url


@pytest.fixture(scope="session")
def openenv_url():
    """The counter written with the official OpenEnv library, served by uvicorn."""
    with serving_process(
        uvicorn_app("envs.openenv_native.counter_app:app"),
        env={"ENABLE_WEB_INTERFACE": "false"},
        cwd=str(ROOT),
    ) as url:
        yield url
