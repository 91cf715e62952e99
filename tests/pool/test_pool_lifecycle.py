"""Launch, start and close: servers and sessions exist exactly while they should."""

from __future__ import annotations

import subprocess
import sys

import httpx
import pytest

from envbridge import Pool, SyncPool
from envbridge.pool import PoolError, TargetSource
from tests.helpers import ROOT, serving
from tests.pool.leaks import pool_logs, settle
from tests.spec.envs import Tracked


@pytest.mark.parametrize("batch", [True, False], ids=["batched", "one-connection-each"])
def test_launch_starts_servers_start_opens_sessions_close_releases_both(batch):
    Tracked.live.clear()
    with serving(Tracked) as url:
        pool = SyncPool()
        pool.add(url, sessions=3, batch=batch, name="tracked")
        pool.add(TargetSource("envs.native.counter:CounterEnv", cwd=ROOT), name="owned")
        try:
            pool.launch()
            owned_url = pool.urls()["owned"]
            assert httpx.get(f"{owned_url}/health", trust_env=False).status_code == 200
            assert Tracked.live == set()  # launched, no sessions yet
            pool.start()
            # a batching connection holds its own session besides the three it batches
            want = 4 if batch else 3
            assert settle(lambda: len(Tracked.live) == want), Tracked.live
            pool.reset()
        finally:
            pool.close()
        pool.close()  # idempotent
        assert settle(lambda: Tracked.live == set())
        with pytest.raises(httpx.HTTPError):
            httpx.get(f"{owned_url}/health", trust_env=False, timeout=2)


@pytest.mark.anyio
async def test_async_context_manager_and_one_session_servers_skip_batching(counter_url):
    pool = Pool()
    pool.add(counter_url, sessions=1, name="single")
    pool.add(counter_url, sessions=2, name="pair")
    async with pool:
        stats = pool.stats()
        assert not stats.server("single").batched  # nothing to batch with one session
        assert stats.server("pair").batched
        assert [r.ok for r in await pool.reset()] == [True] * 3
    with pytest.raises(Exception, match="not running"):
        await pool.reset()


@pytest.mark.anyio
async def test_the_sync_pool_refuses_to_run_inside_an_event_loop(counter_url):
    pool = SyncPool()
    pool.add(counter_url)
    with pytest.raises(PoolError, match=r"use envbridge\.Pool with await"):
        pool.start()


UNCLOSED = """
import asyncio
from envbridge import Pool, TargetSource

async def main():
    pool = Pool()
    pool.add(TargetSource("envs.native.counter:CounterEnv"))
    await pool.launch()
    print(pool.urls()["envs.native.counter:CounterEnv"], flush=True)

asyncio.run(main())  # never closes the pool
"""


def test_servers_of_a_pool_never_closed_are_stopped_at_exit():
    logs = pool_logs()
    ran = subprocess.run(
        [sys.executable, "-c", UNCLOSED], cwd=ROOT, capture_output=True, text=True, timeout=120
    )
    url = ran.stdout.strip()
    assert ran.returncode == 0 and url.startswith("http://127.0.0.1:"), ran.stderr
    with pytest.raises(httpx.HTTPError):
        httpx.get(f"{url}/health", trust_env=False, timeout=2)
    assert pool_logs() <= logs
