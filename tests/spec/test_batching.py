"""The batch extension: many sessions per frame, equal to unbatched stepping."""

from __future__ import annotations

import time

import httpx
import pytest
from envbridge.spec.client import BatchingUnsupported, ServerError, StepResult
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import envbridge
from envs.native.counter import CounterEnv
from tests.helpers import serving
from tests.spec.envs import Exploding, Tracked


@pytest.fixture(scope="module")
def url():
    with serving(CounterEnv, max_sessions=128) as running:
        yield running


def test_server_advertises_batching(url):
    meta = httpx.get(f"{url}/metadata", trust_env=False).json()
    assert meta["extensions"]["batch"]["version"] == 1


@settings(
    max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(
    seeds=st.lists(st.integers(0, 50), min_size=1, max_size=6),
    deltas=st.lists(st.lists(st.integers(-3, 3), max_size=6), min_size=6, max_size=6),
)
def test_batched_equals_unbatched(url, seeds, deltas):
    n = len(seeds)
    batched = envbridge.connect(url).sync()
    ids = batched.batch_open(n)
    singles = [envbridge.connect(url).sync() for _ in range(n)]
    try:
        got = batched.batch([(ids[i], "reset", {"seed": seeds[i]}) for i in range(n)])
        want = [singles[i].reset(seed=seeds[i]) for i in range(n)]
        assert got == want
        for round_ in range(6):
            ops = [
                (ids[i], "step", {"delta": deltas[i][round_]})
                for i in range(n)
                if round_ < len(deltas[i])
            ]
            got = batched.batch(ops)
            want = []
            for i in range(n):
                if round_ < len(deltas[i]):
                    try:
                        want.append(singles[i].step({"delta": deltas[i][round_]}))
                    except ServerError as exc:
                        want.append(exc)
            assert [_comparable(r) for r in got] == [_comparable(r) for r in want]
        states = batched.batch([(sid, "state", {}) for sid in ids])
        assert [s["step_count"] for s in states] == [
            singles[i].state()["step_count"] for i in range(n)
        ]
    finally:
        batched.batch_close(ids)
        batched.close()
        for single in singles:
            single.close()


def _comparable(result):
    if isinstance(result, ServerError):
        return ("error", result.code)
    assert isinstance(result, StepResult)
    return result


def test_results_keep_op_order_and_a_failing_op_spares_its_neighbours():
    with serving(Exploding) as url:
        client = envbridge.connect(url).sync()
        a, b = client.batch_open(2)
        client.batch([(a, "reset", {}), (b, "reset", {})])
        results = client.batch(
            [
                (a, "step", {"explode": True}),
                (b, "step", {}),
                ("nope", "step", {}),
                (a, "step", {}),
                (b, "dance", {}),
            ]
        )
        assert isinstance(results[0], ServerError) and results[0].code == "EXECUTION_ERROR"
        assert isinstance(results[1], StepResult) and results[1].reward == 1.0
        assert results[2].code == "SESSION_ERROR"
        assert isinstance(results[3], StepResult)
        assert results[4].code == "UNKNOWN_TYPE"
        client.close()


def test_capacity_is_all_or_nothing_and_does_not_close_the_connection():
    Tracked.live.clear()
    with serving(Tracked, max_sessions=4) as url:
        client = envbridge.connect(url).sync()
        client.reset()
        with pytest.raises(ServerError) as error:
            client.batch_open(5)
        assert error.value.code == "CAPACITY_REACHED"
        assert len(Tracked.live) == 1  # rolled back
        ids = client.batch_open(3)
        assert len(Tracked.live) == 4
        assert client.step({}).observation["echo"] == {}  # connection still open
        client.batch_close(ids[:1])
        assert len(Tracked.live) == 3
        client.close()
        deadline = time.monotonic() + 5
        while Tracked.live and time.monotonic() < deadline:
            time.sleep(0.02)
        assert Tracked.live == set()


def test_bad_batch_frames_are_validation_errors(url):
    client = envbridge.connect(url).sync()
    for count in (0, -1, "3", True):
        with pytest.raises(ServerError) as error:
            client.batch_open(count)  # type: ignore[arg-type]
        assert error.value.code == "VALIDATION_ERROR"
    client.close()


def test_unsupported_against_an_openenv_server():
    from tests.helpers import ROOT, serving_process, uvicorn_app

    with serving_process(
        uvicorn_app("envs.openenv_native.counter_app:app"),
        env={"ENABLE_WEB_INTERFACE": "false"},
        cwd=str(ROOT),
    ) as url:
        client = envbridge.connect(url).sync()
        with pytest.raises(BatchingUnsupported):
            client.batch_open(2)
        assert client.reset(seed=1).observation["count"] == 1  # connection still usable
        client.close()
