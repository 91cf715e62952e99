"""A pool that starts Ray itself shuts it down: no Ray process, actor or server remains.

Runs after test_ray_pool.py (module order), so it also proves the cluster of that module
left nothing behind.
"""

from __future__ import annotations

import asyncio

from envbridge.pool import Pool, TargetSource
from tests.helpers import ROOT
from tests.pool.leaks import settle
from tests.ray.conftest import NODE, ray, ray_processes


def test_a_pool_that_started_ray_leaves_no_process_behind():
    assert not ray.is_initialized()
    assert settle(lambda: not ray_processes(), 30), ray_processes()

    async def run():
        pool = Pool(engine="ray", engine_options={"init_options": NODE})
        source = TargetSource("envs.native.counter:CounterEnv", cwd=ROOT)
        pool.add(source, sessions=8, replicas=2, name="counter")
        async with pool:
            assert all(r.ok for r in await pool.reset(seed=0))
            results = await pool.step([{"delta": 1}] * 8)
            during = ray_processes()
        return results, during

    results, during = asyncio.run(run())
    assert all(r.ok for r in results)
    assert sum(" envbridge serve " in f" {cmd} " for _, cmd in during) == 2
    assert any("raylet" in cmd for _, cmd in during), "Ray really ran"
    assert not ray.is_initialized(), "the pool shut down the Ray it started"
    assert settle(lambda: not ray_processes(), 30), ray_processes()
