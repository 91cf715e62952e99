"""The pool's engine seam with the local engine: replicas, names, refusals."""

from __future__ import annotations

import asyncio

import pytest

from envbridge.pool import Pool, PoolError, TargetSource
from envbridge.pool.engines import LocalEngine, split_sessions
from tests.helpers import ROOT


def test_sessions_split_evenly_over_replicas():
    assert split_sessions(10, 3) == [4, 3, 3]
    assert split_sessions(4, 4) == [1, 1, 1, 1]
    assert sum(split_sessions(4096, 7)) == 4096


def test_local_replicas_are_separate_servers_answering_to_one_name():
    async def run():
        pool = Pool()
        source = TargetSource("envs.native.counter:CounterEnv", cwd=ROOT)
        indices = pool.add(source, sessions=5, replicas=2, name="counter")
        async with pool:
            assert list(indices) == [0, 1, 2, 3, 4]
            assert pool.envs == ["counter"] * 5
            assert pool.indices("counter") == [0, 1, 2, 3, 4]
            urls = pool.urls()
            results = await pool.reset(seed=0)
            stats = pool.stats()
        return urls, results, stats

    urls, results, stats = asyncio.run(run())
    assert sorted(urls) == ["counter/0", "counter/1"]
    assert len(set(urls.values())) == 2, "two servers"
    assert [s.sessions for s in stats.servers] == [3, 2]
    assert {r.env for r in results} == {"counter"}
    assert all(r.ok for r in results)


@pytest.mark.parametrize(
    ("source", "kwargs", "message"),
    [
        ("http://127.0.0.1:9", {"sessions": 2, "replicas": 2}, "cannot be copied"),
        (TargetSource("gym:CartPole-v1"), {"sessions": 2, "replicas": 3}, "leave some idle"),
        (TargetSource("gym:CartPole-v1"), {"replicas": 0}, "replicas must be a positive"),
        (TargetSource("gym:CartPole-v1"), {"resources": {"CPU": 1}}, "engine='ray'"),
    ],
)
def test_bad_placement_requests_are_refused_with_the_fix(source, kwargs, message):
    with pytest.raises(PoolError, match=message):
        Pool().add(source, **kwargs)


def test_engine_choice_is_checked():
    with pytest.raises(PoolError, match="'local', 'ray' or an Engine"):
        Pool(engine="kubernetes")
    with pytest.raises(PoolError, match="need a cluster engine"):
        Pool(address="ray://head:10001")
    assert isinstance(Pool(engine=LocalEngine())._engine, LocalEngine)
