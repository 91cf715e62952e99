"""Hypothesis: the pool keeps the order asked, matches a model of the counter, and
batched stepping gives exactly what one connection per session gives."""

from __future__ import annotations

import pytest
from envbridge.spec.client import ServerError, StepResult
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from envbridge import SyncPool
from envbridge.pool import TargetSource
from tests.helpers import ROOT

SESSIONS = 4  # per server; two servers
TARGET = 10  # CounterEnv's default: done at |count| >= 10

fixture_settings = settings(
    max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)


@pytest.fixture(scope="module")
def pools(counter_url, second_counter_url):
    """The same two servers through a batched pool and an unbatched one."""
    made = {}
    for batch in (True, False):
        pool = SyncPool()
        pool.add(counter_url, sessions=SESSIONS, name="a", batch=batch)
        pool.add(second_counter_url, sessions=SESSIONS, name="b", batch=batch)
        made[batch] = pool.start()
    yield made
    for pool in made.values():
        pool.close()


calls = st.lists(
    st.one_of(
        st.tuples(
            st.just("reset"),
            st.lists(st.integers(0, 2 * SESSIONS - 1), unique=True, min_size=1),
            st.integers(0, 100),
        ),
        st.tuples(
            st.just("step"),
            st.permutations(range(2 * SESSIONS)).flatmap(
                lambda order: st.lists(st.integers(-4, 4), min_size=1, max_size=len(order)).map(
                    lambda deltas: list(zip(order, deltas, strict=False))
                )
            ),
            st.none(),
        ),
    ),
    min_size=1,
    max_size=8,
)


def _outcome(result):
    if result.error is not None:
        assert isinstance(result.error, ServerError), result.error
        return ("error", result.error.code)
    assert isinstance(result.value, StepResult)
    return result.value


@fixture_settings
@given(script=calls)
def test_results_follow_the_order_asked_and_match_a_model(pools, script):
    pool = pools[True]
    pool.reset(seed=0)
    model = {i: {"count": i % 5, "done": False} for i in range(2 * SESSIONS)}
    for kind, sessions, seed in script:
        if kind == "reset":
            results = pool.reset(sessions, seed=seed)
            assert [r.index for r in results] == sessions
            for k, (i, r) in enumerate(zip(sessions, results, strict=True)):
                model[i] = {"count": (seed + k) % 5, "done": False}
                assert r.observation["count"] == model[i]["count"]
            continue
        results = pool.step({i: {"delta": d} for i, d in sessions})
        assert [r.index for r in results] == [i for i, _ in sessions]
        assert [r.env for r in results] == ["a" if i < SESSIONS else "b" for i, _ in sessions]
        for (i, delta), r in zip(sessions, results, strict=True):
            if model[i]["done"]:
                assert r.error.code == "EPISODE_DONE"
                continue
            model[i]["count"] += delta
            model[i]["done"] = abs(model[i]["count"]) >= TARGET
            assert (r.observation["count"], r.reward, r.done) == (
                model[i]["count"], delta, model[i]["done"],
            )  # fmt: skip


@fixture_settings
@given(script=calls)
def test_batched_equals_one_connection_per_session(pools, script):
    batched, direct = pools[True], pools[False]
    assert batched.stats().servers[0].batched and not direct.stats().servers[0].batched
    for pool in (batched, direct):
        pool.reset(seed=0)
    for kind, sessions, seed in script:
        if kind == "reset":
            got = [batched.reset(sessions, seed=seed), direct.reset(sessions, seed=seed)]
        else:
            actions = {i: {"delta": d} for i, d in sessions}
            got = [batched.step(actions), direct.step(actions)]
        assert [_outcome(r) for r in got[0]] == [_outcome(r) for r in got[1]]
        assert [r.index for r in got[0]] == [r.index for r in got[1]]
    states = [[(s.value["count"], s.value["step_count"]) for s in p.state()]
              for p in (batched, direct)]  # fmt: skip
    assert states[0] == states[1]


@pytest.fixture(scope="module")
def cartpole_pools():
    """CartPole through the Gymnasium bridge, batched and not (skipped until installed)."""
    pytest.importorskip("envbridge.bridges.gymnasium")
    made = {}
    try:
        for batch in (True, False):
            pool = SyncPool()
            pool.add(
                TargetSource("gym:CartPole-v1", cwd=ROOT), sessions=3, name="cartpole", batch=batch
            )
            made[batch] = pool.start()
        yield made
    finally:
        for pool in made.values():
            pool.close()


@fixture_settings
@given(
    seeds=st.lists(st.integers(0, 2**31 - 1), min_size=3, max_size=3),
    moves=st.lists(st.lists(st.integers(0, 1), min_size=3, max_size=3), max_size=12),
)
def test_batched_equals_unbatched_on_a_bridged_gymnasium_env(cartpole_pools, seeds, moves):
    batched, direct = cartpole_pools[True], cartpole_pools[False]
    assert batched.stats().servers[0].batched and not direct.stats().servers[0].batched
    got = [batched.reset(seed=seeds), direct.reset(seed=seeds)]
    assert [_outcome(r) for r in got[0]] == [_outcome(r) for r in got[1]]
    for actions in moves:
        step = {i: {"action": a} for i, a in enumerate(actions)}
        got = [batched.step(step), direct.step(step)]
        assert [_outcome(r) for r in got[0]] == [_outcome(r) for r in got[1]]
