"""v1 (verifiers 0.4): a script played over the wire through the bridge equals the same
script replayed natively through a v1 agent run; plus errors and cleanup."""

from __future__ import annotations

import asyncio
import os
import tempfile
import time

import pytest
import verifiers.v1 as vf
from envbridge.bridges.verifiers import load_target, wrap
from envbridge.bridges.verifiers.v1.environment import run_task
from envbridge.spec.client import ServerError
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from verifiers.v1.clients.client import Client, RelayReply
from vf1_math import MathTaskset

import envbridge
from tests.helpers import marked_processes, serving


class ReplayClient(Client):
    """Answers each model call with the next scripted message; records the requests."""

    def __init__(self, script):
        self.script = list(script)
        self.bodies = []

    async def get_response(
        self, dialect, body, sampling=None, session_id=None, turn=None, headers=None
    ):
        self.bodies.append(body)
        message = self.script.pop(0)
        raw = {
            "id": f"replay-{len(self.bodies)}",
            "object": "chat.completion",
            "created": 0,
            "model": body.get("model", ""),
            "choices": [
                {
                    "index": 0,
                    "finish_reason": "stop",
                    "message": {"role": "assistant", **message},
                }
            ],
        }
        response = dialect.parse_response(dialect.validate_response(raw))
        response.raw = raw
        return response

    async def relay(self, dialect, body, session_id=None, headers=None):
        response = await self.get_response(dialect, body)

        async def events():
            for event in dialect.stream_events(response.raw):
                yield event

        async def close():
            return None

        return RelayReply("text/event-stream", events(), close)


@pytest.fixture(scope="module")
def factory():
    return load_target("vf1-math", {})


@pytest.fixture(scope="module")
def url(factory):
    with serving(factory) as running:
        yield running


def run_native(factory, task_index, script):
    replay = ReplayClient(script)
    trace = asyncio.run(run_task(factory.config, factory.tasks[task_index], replay))
    return trace, replay


@settings(
    max_examples=4, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(
    task_index=st.integers(0, 3),
    content=st.one_of(
        st.sampled_from(["5", "42", "7", "9", "13"]).map(lambda a: f"<answer>{a}</answer>"),
        st.text(alphabet="abc 123<>/", min_size=1, max_size=12),
    ),
)
def test_single_turn_taskset_matches_native(factory, url, task_index, content):
    with envbridge.connect(url).sync() as client:
        first = client.reset(task_index=task_index)
        final = client.step({"content": content})
    trace, replay = run_native(factory, task_index, [{"content": content}])

    [body] = replay.bodies
    assert first.observation["messages"] == body["messages"]
    assert first.reward is None and not first.done
    assert final.done is True
    assert final.reward == pytest.approx(trace.reward)
    assert final.metadata["rewards"] == {
        name: {"score": r.score, "weight": r.weight} for name, r in trace.rewards.items()
    }
    assert final.metadata["stop_condition"] == trace.stop_condition == "agent_completed"
    assert final.observation["messages"][-1] == {"role": "assistant", "content": content}


def test_known_answer_scores_rewards_and_weights(url):
    with envbridge.connect(url).sync() as client:
        client.reset(task_index=1)
        final = client.step({"content": "<answer>42</answer>"})
    assert final.reward == pytest.approx(1.2)
    assert final.metadata["rewards"]["formatted"] == {"score": 1.0, "weight": 0.2}


def test_reset_options_and_actions_are_validated(url):
    with envbridge.connect(url).sync() as client:
        with pytest.raises(ServerError) as caught:
            client.reset(task_index=99)
        assert caught.value.code == "VALIDATION_ERROR"
        client.reset(task_index=0)
        with pytest.raises(ServerError) as bad:
            client.step({"role": "user", "content": "5"})
        assert bad.value.code == "VALIDATION_ERROR"
        assert client.step({"content": "<answer>5</answer>"}).reward == pytest.approx(1.2)


def _harness_processes() -> int:
    """Live harness processes: their command line runs a script of an envbridge-vf1 folder."""
    return len(marked_processes("envbridge-vf1-"))


def test_abandoned_episodes_leave_no_process_or_script(url):
    before = set(os.listdir(tempfile.gettempdir()))
    clients = [envbridge.connect(url).sync() for _ in range(3)]
    for client in clients:
        client.reset(task_index=0)  # a harness process is now waiting for the trainer
    deadline = time.monotonic() + 15
    while _harness_processes() < 3 and time.monotonic() < deadline:
        time.sleep(0.1)
    assert _harness_processes() >= 3
    for client in clients:
        client.close()

    def leftovers() -> set[str]:
        return {n for n in set(os.listdir(tempfile.gettempdir())) - before if "envbridge-vf1" in n}

    deadline = time.monotonic() + 15
    while (_harness_processes() or leftovers()) and time.monotonic() < deadline:
        time.sleep(0.1)
    assert _harness_processes() == 0
    assert leftovers() == set()


def test_wrap_detects_a_v1_taskset():
    factory = wrap(MathTaskset(vf.TasksetConfig(id="vf1-math")))
    assert len(factory.tasks) == 4
    env = factory()
    assert env.metadata().name == "MathTaskset"


def test_packages_with_their_own_harness_are_refused_with_a_reason(monkeypatch):
    import sys
    import types

    from verifiers.v1.harnesses.null import NullHarness

    package = types.ModuleType("vf1_with_harness")
    package.MathTaskset = MathTaskset
    package.MyHarness = NullHarness
    package.__all__ = ["MathTaskset", "MyHarness"]
    monkeypatch.setitem(sys.modules, "vf1_with_harness", package)
    with pytest.raises(ValueError, match="exports its own v1 Harness"):
        load_target("vf1-with-harness", {})


def test_envs_with_several_seats_are_refused_with_a_reason():
    from envbridge.bridges.verifiers.v1.environment import EnvFactory

    config = vf.resolve_env_config({"id": "user-sim", "taskset": {"id": "vf1-math"}})
    with pytest.raises(ValueError, match="one-seat Envs only"):
        EnvFactory(config, name="user-sim", model="policy")
