"""Sampling tasks across a pool's servers and resetting sessions onto them."""

from __future__ import annotations

import collections
import shutil

import pytest

from envbridge import Pool, SyncPool
from envbridge.pool import PoolError, TargetSource
from envbridge.pool.tasks import TaskSampler
from envs.native import quiz_tasks
from envs.native.counter import CounterEnv
from envs.native.quiz import QuizEnv
from tests.helpers import ROOT, serving


def test_uniform_sampling_is_seeded_and_without_replacement_per_epoch():
    sampler = TaskSampler({"a": ("train", 3), "b": ("test", 5)}, seed=7)
    first = sampler.sample(8)
    assert sorted((ref.env, ref.index) for ref in first) == [
        *(("a", i) for i in range(3)),
        *(("b", i) for i in range(5)),
    ]
    assert sampler.epoch == 0
    second = sampler.sample(8)
    assert sampler.epoch == 1 and len({(r.env, r.index) for r in second}) == 8
    again = TaskSampler({"a": ("train", 3), "b": ("test", 5)}, seed=7).sample(16)
    assert [*first, *second] == again
    assert TaskSampler({"a": ("train", 3), "b": ("test", 5)}, seed=8).sample(8) != first


def test_weighted_sampling_follows_the_weights():
    sampler = TaskSampler({"a": ("x", 1000), "b": ("x", 1000)}, weights={"a": 3, "b": 1}, seed=1)
    counts = collections.Counter(ref.env for ref in sampler.sample(4000))
    assert 2800 < counts["a"] < 3200
    even = TaskSampler({"a": ("x", 2), "b": ("x", 50)}, weights="servers", seed=1)
    drawn = even.sample(40)
    share = collections.Counter(ref.env for ref in drawn)
    assert 12 <= share["a"] <= 28  # the small server cycles its 2 tasks
    a_refs = [ref.index for ref in drawn if ref.env == "a"]
    assert all(sorted(a_refs[i : i + 2]) == [0, 1] for i in range(0, len(a_refs) - 1, 2))
    with pytest.raises(PoolError):
        TaskSampler({"a": ("x", 2)}, weights={"zzz": 1})
    with pytest.raises(PoolError):
        TaskSampler({"a": ("x", 2)}, weights={"a": 0})


def test_pool_samples_and_resets_onto_tasks_of_two_servers():
    with serving(QuizEnv) as quiz_a, serving(QuizEnv) as quiz_b, serving(CounterEnv) as plain:
        pool = SyncPool()
        pool.add(quiz_a, sessions=2, name="qa")
        pool.add(quiz_b, sessions=2, name="qb")
        pool.add(plain, sessions=1, name="plain")
        with pool:
            sampler = pool.task_sampler(split="test", seed=3)
            assert sampler.splits == {"qa": "test", "qb": "test"}  # plain: no tasks, left out
            refs = sampler.sample(4)
            while collections.Counter(r.env for r in refs) != {"qa": 2, "qb": 2}:
                refs = sampler.sample(4)  # a draw the pool's sessions can hold at once
            results = pool.reset_tasks(refs)
            for result in results:
                ref = result.task
                assert result.env == ref.env
                assert result.observation["task_id"] == f"test-{ref.index}"
                assert ref.spec == quiz_tasks.task("test", ref.index)
            answers = {
                r.index: {"answer": quiz_tasks.answer("test", r.task.index)} for r in results
            }
            assert all(r.reward == 1.0 for r in pool.step(answers))
            own = pool.reset_sampled(sampler)
            assert [r.index for r in own] == [0, 1, 2, 3]
            assert all(r.observation["task_id"] == r.task.spec["id"] for r in own)
            with pytest.raises(PoolError, match="no free session"):
                pool.reset_tasks(sampler.sample(0) + [sampler.next_for("qa")] * 3)


@pytest.mark.anyio
async def test_verifiers_and_harbor_tasks_in_one_pool():
    if shutil.which("bwrap") is None:
        pytest.fail("bubblewrap is missing: run scripts/system-deps.sh")
    vf_math = ROOT / "envs" / "verifiers" / "vf_math"
    pool = Pool()
    pool.add(TargetSource("verifiers:vf-math", env={"PYTHONPATH": str(vf_math)}), name="math")
    harbor = TargetSource(f"harbor:{ROOT / 'envs' / 'harbor'}", options={"backend": "local"})
    pool.add(harbor, name="harbor")
    async with pool:
        sampler = await pool.task_sampler(weights="servers", seed=0)
        assert sampler.splits == {"math": "train", "harbor": "harbor"}
        results = await pool.reset_sampled(sampler)
        math, harbor = results
        assert math.task.spec["prompt"][-1]["content"] in str(math.observation["messages"])
        assert harbor.observation["task_id"] == harbor.task.spec["id"]
        assert "instruction" in harbor.task.spec
