"""Per-server concurrency limits, bad input, failing environments, failing servers."""

from __future__ import annotations

import pytest
from envbridge.spec.client import ServerError

from envbridge import Pool, SyncPool
from envbridge.pool import ImageSource, PoolError, ProcessSource, TargetSource, UrlSource
from tests.helpers import ROOT, serving
from tests.pool.envs import InFlight
from tests.pool.leaks import open_fds, settle
from tests.spec.envs import Exploding, FailingFactory


@pytest.fixture(scope="module")
def inflight_url():
    with serving(InFlight, max_sessions=64) as url:
        yield url


@pytest.mark.parametrize("batch", [True, False], ids=["batched", "one-connection-each"])
@pytest.mark.parametrize("limit", [None, 2])
def test_max_concurrency_caps_steps_in_flight_on_that_server(inflight_url, batch, limit):
    pool = SyncPool()
    pool.add(inflight_url, sessions=6, batch=batch, max_concurrency=limit)
    with pool:
        pool.reset()
        InFlight.clear()
        results = pool.step([{}] * 6)
        assert [r.reward for r in results] == [1] * 6
        assert InFlight.peak == (limit or 6)


@pytest.mark.parametrize("batch", [True, False], ids=["batched", "one-connection-each"])
def test_a_failing_step_is_an_error_result_and_spares_its_neighbours(batch):
    with serving(Exploding) as url:
        pool = SyncPool()
        pool.add(url, sessions=3, batch=batch)
        with pool:
            pool.reset()
            results = pool.step([{}, {"explode": True}, {}])
            assert [r.ok for r in results] == [True, False, True]
            assert isinstance(results[1].error, ServerError)
            assert results[1].error.code == "EXECUTION_ERROR"
            with pytest.raises(ServerError):
                results[1].unwrap()
            assert all(r.ok for r in pool.step([{}] * 3))  # the session survived
            assert pool.stats().servers[0].errors == 1


@pytest.mark.parametrize(
    ("build", "words"),
    [
        (lambda: Pool().add(None), "takes a URL string or a Source"),
        (lambda: Pool().add({"target": "a:b"}), "takes a URL string or a Source"),
        (lambda: Pool().add("http://x", sessions=0), "positive integer"),
        (lambda: Pool().add("http://x", max_concurrency=0), "max_concurrency"),
        (lambda: Pool().add("http://x", batch="yes"), "batch must be"),
        (lambda: ProcessSource("uvicorn app:app --port {port}"), "a list of strings"),
        (lambda: ProcessSource(["uvicorn", 8000, "{port}"]), "a list of strings"),
        (lambda: ProcessSource(8000), "a list of strings"),
        (lambda: TargetSource({"gym": "CartPole-v1"}), "target must be a non-empty string"),
        (lambda: UrlSource(8000), "url must be a non-empty string"),
        (lambda: ImageSource(""), "image must be a non-empty string"),
        (lambda: ProcessSource(["uvicorn", "app:app"]), "no {port} placeholder"),
    ],
)
def test_bad_server_specs_are_refused_with_a_helpful_message(build, words):
    with pytest.raises(PoolError, match=words.replace("{", r"\{").replace("}", r"\}")):
        build()


def test_a_source_serves_one_pool_entry():
    source = TargetSource("envs.native.counter:CounterEnv")
    pool = Pool()
    pool.add(source, sessions=2)
    with pytest.raises(PoolError, match="already added to a pool"):
        pool.add(source)


def test_bad_calls_are_refused_before_anything_is_sent(counter_url):
    pool = SyncPool()
    pool.add(counter_url, sessions=2)
    with pytest.raises(PoolError, match="not running"):
        pool.step([{"delta": 1}])
    with pool:
        pool.reset()
        for bad, words in (
            ({5: {"delta": 1}}, "no session 5"),
            ({"0": {"delta": 1}}, "no session '0'"),
            ([{"delta": 1}] * 3, "3 actions for a pool of 2"),
            ([1, 2], "must be a dict"),
        ):
            with pytest.raises(PoolError, match=words):
                pool.step(bad)
        with pytest.raises(PoolError, match="2 seeds for 1 sessions"):
            pool.reset([0], seed=[1, 2])
        with pytest.raises(PoolError, match="no server called"):
            pool.indices("nope")
        assert [r.value["step_count"] for r in pool.state()] == [0, 0]  # nothing was sent
    with pytest.raises(PoolError, match="closed; make a new one"):
        pool.start()


def test_a_target_that_cannot_start_fails_start_and_leaves_nothing_behind(counter_url):
    pool = SyncPool(start_timeout_s=60)
    pool.add(counter_url, sessions=2)
    pool.add(TargetSource("envs.native.counter:NoSuchEnv", cwd=ROOT))
    with pytest.raises(PoolError) as error:
        pool.start()
    assert "exited with status 2" in str(error.value)
    assert "no attribute 'NoSuchEnv'" in str(error.value)  # the server's own words


def test_more_sessions_than_an_openenv_server_holds_fails_at_start(openenv_url):
    pool = SyncPool()
    pool.add(openenv_url, sessions=9, name="openenv")  # its create_app allows 8
    # the server sends CAPACITY_REACHED and closes; whether the reply or the close
    # reaches the client first is a race, and both are reported
    refused = r"openenv .* session 9 of 9 was (refused: .*CAPACITY_REACHED|closed as soon as)"
    with pytest.raises(PoolError, match=refused):
        pool.start()
    assert settle(lambda: _can_open(openenv_url, 8))  # the refused pool released its 8


def _can_open(url: str, sessions: int) -> bool:
    pool = SyncPool()
    pool.add(url, sessions=sessions)
    try:
        with pool:
            return all(r.ok for r in pool.reset())
    except PoolError:
        return False


@pytest.mark.parametrize("batch", ["auto", False])
def test_a_server_whose_factory_fails_fails_start_with_its_reason(batch):
    with serving(FailingFactory()) as url:
        pool = SyncPool()
        pool.add(url, sessions=2, batch=batch)
        with pytest.raises(PoolError, match="FACTORY_ERROR") as error:
            pool.start()
        assert "cannot allocate sandbox" in str(error.value)


def test_command_servers_are_named_after_their_app():
    pool = Pool()
    pool.add(ProcessSource(["python", "-m", "uvicorn", "pkg.mod:app", "--port", "{port}"]))
    pool.add(ProcessSource(["./my-server", "--port", "{port}"]))
    assert pool.envs == ["pkg.mod:app", "my-server"]


def test_closing_releases_connections(counter_url):
    before = open_fds()
    for batch in (True, False):
        pool = SyncPool()
        pool.add(counter_url, sessions=8, batch=batch)
        with pool:
            pool.reset()
            assert open_fds() >= before + (1 if batch else 8)
    assert settle(lambda: open_fds() <= before), (before, open_fds())
