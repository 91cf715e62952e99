"""The Ray engine against a real three-node Ray cluster on this machine."""

from __future__ import annotations

import asyncio
import time

import httpx
import pytest

from envbridge.pool import Pool, PoolError, SessionLost, TargetSource
from tests.helpers import ROOT
from tests.pool.leaks import settle
from tests.ray.conftest import ray_processes, server_processes

COUNTER = "envs.native.counter:CounterEnv"
ENDLESS = {"target": 10**9}
"""Counter options: an episode that never ends by itself."""


def actor_processes() -> list[int]:
    return [pid for pid, cmd in ray_processes() if cmd.startswith("ray::ServerHost")]


def ray_pool(sessions: int, replicas: int) -> Pool:
    pool = Pool(engine="ray", reconnect_timeout_s=60.0)
    source = TargetSource(COUNTER, options=ENDLESS, cwd=ROOT)
    pool.add(source, sessions=sessions, replicas=replicas, name="counter")
    return pool


async def step_all(pool: Pool, steps: int) -> list:
    failures = []
    for _ in range(steps):
        results = await pool.step([{"delta": 1}] * len(pool))
        failures += [result for result in results if not result.ok]
    return failures


def test_512_sessions_step_with_zero_errors_on_every_node(cluster):
    async def run():
        pool = ray_pool(512, replicas=6)
        async with pool:
            assert all(r.ok for r in await pool.reset(seed=0))
            failures = await step_all(pool, 10)
            stats = pool.stats()
            counts = [r.observation["count"] for r in await pool.step([{"delta": 0}] * 512)]
        return failures, stats, counts

    failures, stats, counts = asyncio.run(run())
    assert failures == []
    assert stats.steps == 512 * 11
    assert counts == [(k % 5) + 10 for k in range(512)]  # seed k -> start k % 5, 10 steps
    nodes = {server.node for server in stats.servers}
    live = {node.node_id for node in [cluster.head_node, *cluster.worker_nodes]}
    assert nodes == live, "every node hosts replicas"
    assert all(server.batched for server in stats.servers)
    assert sum(server.sessions for server in stats.servers) == 512
    assert settle(lambda: not server_processes() and not actor_processes(), 20)


def test_a_lost_node_gives_session_lost_then_its_replicas_run_elsewhere(cluster):
    async def run():
        pool = ray_pool(96, replicas=6)
        async with pool:
            await pool.reset(seed=0)
            assert await step_all(pool, 2) == []
            servers = pool.stats().servers
            victim = next(
                node
                for node in cluster.worker_nodes
                if any(s.node == node.node_id for s in servers)
            )
            lost = {s.name for s in servers if s.node == victim.node_id}
            lost_sessions = [i for i, name in enumerate(_server_of_session(pool)) if name in lost]
            lost_urls = [s.url for s in servers if s.name in lost]
            cluster.remove_node(victim, allow_graceful=False)
            started = time.monotonic()
            # the node's processes die shortly after its raylet; servers die with actors
            assert settle(lambda: not any(_answers(url) for url in lost_urls), 30)
            after = await pool.step([{"delta": 1}] * len(pool))
            failover_s = time.monotonic() - started
            resets = await pool.reset(lost_sessions, seed=0)
            again = await step_all(pool, 2)
            stats = pool.stats()
        return victim.node_id, lost, lost_sessions, after, failover_s, resets, again, stats

    victim, lost, lost_sessions, after, failover_s, resets, again, stats = asyncio.run(run())
    assert lost, "the victim node hosted replicas"
    failed = [r.index for r in after if not r.ok]
    assert failed == lost_sessions
    assert all(isinstance(r.error, SessionLost) for r in after if not r.ok)
    assert all(r.ok for r in resets)
    assert again == []
    assert stats.restarts == len(lost)
    assert all(s.node != victim for s in stats.servers), "nothing runs on the lost node"
    print(f"failover (node loss to every session answering): {failover_s:.1f} s")
    assert settle(lambda: not server_processes() and not actor_processes(), 20)


def _answers(url: str) -> bool:
    try:
        return httpx.get(f"{url}/health", timeout=1.0, trust_env=False).status_code == 200
    except httpx.HTTPError:
        return False


def _server_of_session(pool: Pool) -> list[str]:
    names = []
    for server in pool.stats().servers:
        names += [server.name] * server.sessions
    return names


def test_a_url_cannot_be_placed_and_impossible_resources_fail_clearly(cluster):
    pool = Pool(engine="ray")
    with pytest.raises(PoolError, match="already runs somewhere"):
        pool.add("http://127.0.0.1:9", sessions=1)

    async def run():
        pool = Pool(engine="ray", start_timeout_s=2)
        pool.add(TargetSource(COUNTER, cwd=ROOT), sessions=1, resources={"GPU": 1})
        with pytest.raises(PoolError, match="no Ray node started its server"):
            await pool.start()

    asyncio.run(run())
    assert settle(lambda: not actor_processes(), 20)
