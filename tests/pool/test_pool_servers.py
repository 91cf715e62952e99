"""One pool over several kinds of server at once: tags, order, batching choice, stats."""

from __future__ import annotations

import importlib.util

import pytest
from envbridge.spec.client import StepResult

from envbridge import Pool
from envbridge.pool import ProcessSource, TargetSource
from tests.helpers import ROOT, uvicorn_app


def _installed(module: str) -> bool:
    try:
        return importlib.util.find_spec(module) is not None
    except ImportError:
        return False


def _bridges() -> dict[str, tuple[TargetSource, dict]]:
    """The bridges installed so far: name -> (its pool source, a first step action)."""
    found = {}
    if _installed("envbridge.bridges.gymnasium"):
        found["gym"] = (TargetSource("gym:CartPole-v1", cwd=ROOT), {"action": 1})
    if _installed("envbridge.bridges.verifiers"):
        guess = ROOT / "envs" / "verifiers" / "vf_guess"
        found["verifiers"] = (
            TargetSource("verifiers:vf-guess", cwd=ROOT, env={"PYTHONPATH": str(guess)}),
            {"role": "assistant", "content": "5"},
        )
    if _installed("envbridge.bridges.harbor"):
        found["harbor"] = (
            TargetSource(
                f"harbor:{ROOT / 'envs' / 'harbor'}", options={"backend": "local"}, cwd=ROOT
            ),
            {"type": "call_tool", "tool_name": "exec", "arguments": {"command": "pwd"}},
        )
    return found


@pytest.mark.anyio
async def test_one_pool_spans_url_target_command_and_bridge_servers(counter_url, openenv_url):
    bridges = _bridges()
    pool = Pool()
    in_process = pool.add(counter_url, sessions=3, name="counter")
    served = pool.add(TargetSource("envs.native.counter:CounterEnv", cwd=ROOT), sessions=2)
    openenv = pool.add(openenv_url, sessions=2, name="openenv")
    command = pool.add(
        ProcessSource(
            [*uvicorn_app("envs.openenv_native.counter_app:app")(0)[:-4], "--port", "{port}"],
            cwd=ROOT,
            env={"ENABLE_WEB_INTERFACE": "false"},
        ),
        sessions=1,
        name="openenv-command",
    )
    bridge_sessions = {
        name: pool.add(source, sessions=2, name=name) for name, (source, _) in bridges.items()
    }
    async with pool:
        first = await pool.reset(seed=10)
        assert all(result.ok for result in first), [r.error for r in first if not r.ok]
        assert [r.index for r in first] == list(range(len(pool)))
        assert [r.env for r in first] == pool.envs
        counters = [*in_process, *served, *openenv, *command]
        # int seed: session k of the call gets seed + k; the counter starts at seed % 5
        assert [first[i].observation["count"] for i in counters] == [(10 + i) % 5 for i in counters]
        actions = {i: {"delta": i} for i in reversed(counters)}
        for name, sessions in bridge_sessions.items():
            actions.update({i: bridges[name][1] for i in sessions})
        stepped = await pool.step(actions)
        assert [r.index for r in stepped] == list(actions)
        for result in stepped:
            assert result.ok, result.error
            assert isinstance(result.value, StepResult)
            if result.index in counters:
                assert result.env == pool.envs[result.index]
                assert result.reward == result.index
                assert result.observation["count"] == (10 + result.index) % 5 + result.index
        states = await pool.state(counters)
        assert [s.value["step_count"] for s in states] == [1] * len(counters)

        stats = pool.stats()
        kinds = {s.name: (s.kind, s.batched) for s in stats.servers}
        assert kinds["counter"] == ("url", True)
        assert kinds["envs.native.counter:CounterEnv"] == ("target", True)
        assert kinds["openenv"] == ("url", False)  # official OpenEnv: no batching, no harm
        assert kinds["openenv-command"] == ("command", False)
        for name in bridges:  # every bridge is an envbridge server: batched
            assert kinds[name] == ("target", True)
        assert stats.steps == len(actions)
        assert stats.server("counter").resets == 3
        assert stats.reconnects == 0
        urls = pool.urls()
    # servers the pool started are gone; the ones it was given still run
    for name in ("envs.native.counter:CounterEnv", "openenv-command", *bridges):
        assert not _answers(urls[name])
    assert _answers(counter_url)


def _answers(url: str) -> bool:
    import httpx

    try:
        return httpx.get(f"{url}/health", timeout=2, trust_env=False).status_code == 200
    except httpx.HTTPError:
        return False


@pytest.mark.anyio
async def test_results_keep_the_order_asked_across_servers(counter_url, second_counter_url):
    pool = Pool()
    pool.add(counter_url, sessions=3, name="a")
    pool.add(second_counter_url, sessions=3, name="b", batch=False)
    async with pool:
        await pool.reset(seed=0)
        order = [4, 0, 5, 2, 1, 3]
        results = await pool.step({i: {"delta": i + 1} for i in order})
        assert [r.index for r in results] == order
        assert [r.env for r in results] == ["b", "a", "b", "a", "a", "b"]
        assert [r.reward for r in results] == [i + 1 for i in order]
        # a list with None skips sessions; results follow the list
        results = await pool.step([None, {"delta": 1}, None, None, {"delta": 2}, None])
        assert [(r.index, r.reward) for r in results] == [(1, 1), (4, 2)]
        assert pool.indices("b") == [3, 4, 5]
