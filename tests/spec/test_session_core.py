"""The sans-I/O session core, driven without any network."""

from __future__ import annotations

import asyncio
import json
from typing import Any

import pytest
from envbridge.spec.frames import handle_frame
from envbridge.spec.messages import WSOutgoing
from envbridge.spec.modes import Mode
from envbridge.spec.session import Session
from pydantic import TypeAdapter

from envs.native.counter import CounterEnv
from tests.spec.envs import Exploding, Submitting


async def _no_mcp(session: Session, request: Any) -> Any:
    return {"jsonrpc": "2.0", "id": request.get("id"), "result": {}}


_outgoing: TypeAdapter[Any] = TypeAdapter(WSOutgoing)


def frame(session: Session, message: Any) -> tuple[dict | None, bool]:
    """Send one frame; every reply must validate against the outgoing wire models."""
    text = message if isinstance(message, str) else json.dumps(message)
    reply = asyncio.run(handle_frame(session, text, _no_mcp))
    if reply.text is None:
        return None, reply.close
    _outgoing.validate_json(reply.text)
    return json.loads(reply.text), reply.close


def error_code(reply: dict | None) -> str | None:
    assert reply is not None
    return reply["data"]["code"] if reply["type"] == "error" else None


@pytest.fixture
def session() -> Session:
    return Session(CounterEnv(), Mode.SIMULATION)


def test_reset_then_steps_count_and_report_state(session):
    reply, _ = frame(session, {"type": "reset", "data": {"seed": 3, "episode_id": "ep-1"}})
    assert reply == {
        "type": "observation",
        "data": {
            "observation": {"count": 3, "last_delta": 0, "metadata": {}},
            "reward": None,
            "done": False,
        },
    }
    for _ in range(2):
        frame(session, {"type": "step", "data": {"delta": 2}})
    state, _ = frame(session, {"type": "state"})
    assert state == {"type": "state", "data": {"count": 7, "episode_id": "ep-1", "step_count": 2}}
    frame(session, {"type": "reset", "data": {}})
    state, _ = frame(session, {"type": "state"})
    assert state["data"]["step_count"] == 0
    assert state["data"]["episode_id"] not in (None, "ep-1")


@pytest.mark.parametrize(
    ("message", "code"),
    [
        ("{not json", "INVALID_JSON"),
        ('{"type": "step", "data": {"delta": NaN}}', "INVALID_JSON"),
        ('{"type": "step", "data": {"delta": 1e999}}', "VALIDATION_ERROR"),
        ({}, "UNKNOWN_TYPE"),
        ({"type": "dance"}, "UNKNOWN_TYPE"),
        ({"type": ["step"]}, "UNKNOWN_TYPE"),
        ({"type": {"k": 1}}, "UNKNOWN_TYPE"),
        ([1, 2], "VALIDATION_ERROR"),
        ({"type": "step"}, "VALIDATION_ERROR"),
        ({"type": "step", "data": {"delta": "x"}}, "VALIDATION_ERROR"),
        ({"type": "step", "data": {"delta": 1, "bogus": 1}}, "VALIDATION_ERROR"),
        ({"type": "state", "data": {}}, "VALIDATION_ERROR"),
        ({"type": "close", "data": {}}, "VALIDATION_ERROR"),
        ({"type": "reset", "data": {"seed": -1}}, "VALIDATION_ERROR"),
        ({"type": "reset", "data": {"seed": "abc"}}, "VALIDATION_ERROR"),
        ({"type": "step", "data": {"delta": 1}, "timeout_s": 3}, "VALIDATION_ERROR"),
    ],
)
def test_bad_frames_get_their_error_code_and_the_session_survives(session, message, code):
    frame(session, {"type": "reset", "data": {}})
    reply, close = frame(session, message)
    assert error_code(reply) == code
    assert not close
    reply, _ = frame(session, {"type": "step", "data": {"delta": 1}})
    assert reply["type"] == "observation"


def test_validation_errors_carry_pydantic_style_details(session):
    frame(session, {"type": "reset", "data": {}})
    reply, _ = frame(session, {"type": "step", "data": {"delta": "x"}})
    errors = reply["data"]["errors"]
    assert errors[0]["loc"] == ["delta"] and errors[0]["type"] == "int_parsing"


def test_step_before_reset_and_after_done_are_refused_with_guidance(session):
    reply, _ = frame(session, {"type": "step", "data": {"delta": 1}})
    assert error_code(reply) == "EPISODE_NOT_STARTED"
    assert "reset" in reply["data"]["message"]
    frame(session, {"type": "reset", "data": {}})
    reply, _ = frame(session, {"type": "step", "data": {"delta": 10}})
    assert reply["data"]["done"] is True
    reply, _ = frame(session, {"type": "step", "data": {"delta": 1}})
    assert error_code(reply) == "EPISODE_DONE"
    reply, _ = frame(session, {"type": "reset", "data": {}})
    assert reply["type"] == "observation"


def test_environment_exception_is_execution_error_and_session_continues():
    session = Session(Exploding(), Mode.SIMULATION)
    frame(session, {"type": "reset", "data": {}})
    reply, close = frame(session, {"type": "step", "data": {"explode": True}})
    assert error_code(reply) == "EXECUTION_ERROR" and "boom" in reply["data"]["message"]
    assert not close
    reply, _ = frame(session, {"type": "step", "data": {}})
    assert reply["data"]["reward"] == 1.0


def test_nan_in_observation_is_a_clear_error_and_nan_reward_alone_is_null():
    session = Session(Exploding(), Mode.SIMULATION)
    frame(session, {"type": "reset", "data": {}})
    reply, _ = frame(session, {"type": "step", "data": {"nan": True}})
    assert error_code(reply) == "EXECUTION_ERROR" and "NaN" in reply["data"]["message"]
    reply, _ = frame(session, {"type": "step", "data": {"nan_reward": True}})
    assert reply["type"] == "observation" and reply["data"]["reward"] is None


@pytest.mark.parametrize("kind", ["reset", "step", "state"])
def test_production_mode_refuses_the_simulation_api(kind):
    session = Session(CounterEnv(), Mode.PRODUCTION)
    message: dict[str, Any] = {"type": kind}
    if kind != "state":
        message["data"] = {"delta": 1} if kind == "step" else {}
    reply, close = frame(session, message)
    assert error_code(reply) == "MODE_RESTRICTED"
    assert "production" in reply["data"]["message"] and not close


def test_production_session_starts_its_episode_implicitly():
    session = Session(CounterEnv(), Mode.PRODUCTION)
    asyncio.run(session.start({"seed": 4}))
    assert session.started and session.env.count == 4


def test_close_frame_closes_without_reply(session):
    reply, close = frame(session, {"type": "close"})
    assert reply is None and close


def test_list_and_call_tools_through_step(session):
    reply, _ = frame(session, {"type": "step", "data": {"type": "list_tools"}})
    names = [t["name"] for t in reply["data"]["observation"]["tools"]]
    assert names == ["add", "get_count", "echo"]
    assert "input_schema" in reply["data"]["observation"]["tools"][0]
    frame(session, {"type": "reset", "data": {}})
    reply, _ = frame(
        session,
        {
            "type": "step",
            "data": {"type": "call_tool", "tool_name": "add", "arguments": {"amount": 4}},
        },
    )
    observation = reply["data"]["observation"]
    assert observation["result"]["data"] == {"count": 4} and observation["error"] is None
    reply, _ = frame(
        session,
        {"type": "step", "data": {"type": "call_tool", "tool_name": "nope", "arguments": {}}},
    )
    assert reply["data"]["observation"]["error"]["error_type"] == "tool_not_found"
    state, _ = frame(session, {"type": "state"})
    assert state["data"]["step_count"] == 2


def test_a_tool_can_end_the_episode_with_a_reward():
    session = Session(Submitting(), Mode.SIMULATION)
    frame(session, {"type": "reset", "data": {}})
    reply, _ = frame(
        session,
        {"type": "step", "data": {"type": "call_tool", "tool_name": "submit", "arguments": {}}},
    )
    assert reply["data"]["reward"] == 0.5 and reply["data"]["done"] is True
    reply, _ = frame(session, {"type": "step", "data": {}})
    assert error_code(reply) == "EPISODE_DONE"


def test_reset_options_reach_the_environment():
    from tests.spec.envs import Tracked

    session = Session(Tracked(), Mode.SIMULATION)
    reply, _ = frame(
        session, {"type": "reset", "data": {"seed": 7, "level": 2, "options": {"mode": "hard"}}}
    )
    assert reply["data"]["observation"]["seed"] == 7
    assert reply["data"]["observation"]["options"] == {"mode": "hard", "level": 2}


class _InlineCounter(CounterEnv):
    """Sync methods called on the event loop; reset can be held open by the test."""

    blocking = False

    def __init__(self) -> None:
        super().__init__()
        self.hold_reset: asyncio.Event | None = None
        self.awaitable_steps = False

    async def _held_reset(self, **kwargs: Any) -> Any:
        assert self.hold_reset is not None
        await self.hold_reset.wait()
        return super().reset(**kwargs)

    def reset(self, **kwargs: Any) -> Any:  # sync method returning a coroutine when held
        if self.hold_reset is not None:
            return self._held_reset(**kwargs)
        return super().reset(**kwargs)

    def step(self, action: Any) -> Any:
        observation = super().step(action)
        if self.awaitable_steps:

            async def later() -> Any:
                await asyncio.sleep(0)
                return observation

            return later()
        return observation


def test_an_inline_step_that_returns_a_coroutine_is_awaited():
    env = _InlineCounter()
    session = Session(env, Mode.SIMULATION)
    frame(session, {"type": "reset", "data": {"seed": 1}})
    env.awaitable_steps = True
    reply, _ = frame(session, {"type": "step", "data": {"delta": 2}})
    assert reply is not None and reply["data"]["observation"]["count"] == 3
    assert session.step_count == 1


def test_an_inline_step_waits_for_a_reset_that_holds_the_session():
    """The inline fast path must not slip a step past a request that holds the lock."""

    async def scenario() -> list[int]:
        env = _InlineCounter()
        session = Session(env, Mode.SIMULATION)
        await session.reset({"seed": 1})
        await session.step({"delta": 1})  # count 2
        env.hold_reset = asyncio.Event()
        resetting = asyncio.create_task(session.reset({"seed": 10}))
        await asyncio.sleep(0.01)  # the reset now holds the session
        stepping = asyncio.create_task(session.step({"delta": 5}))
        await asyncio.sleep(0.01)
        assert not stepping.done()  # it waits for the reset
        env.hold_reset.set()
        await resetting
        stepped = await stepping
        return [stepped["observation"]["count"], session.step_count]

    # the reset set count to 10 % 5 = 0, then the step added 5 (slipped ahead: 2 + 5 = 7)
    assert asyncio.run(scenario()) == [5, 1]
