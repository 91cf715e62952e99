"""Inline or worker thread, decided by measurement: cheap Gymnasium envs step on the event
loop, a 50 ms step keeps its thread and never stalls the other sessions."""

from __future__ import annotations

import asyncio
import threading
import time
from typing import ClassVar

import gymnasium as gym
import pytest
from envbridge.bridges.gymnasium import wrap
from envbridge.spec import placement
from envbridge.spec.modes import Mode
from envbridge.spec.session import Session
from gymnasium import spaces


class Sleepy(gym.Env):
    """Steps take ``delays[i]`` seconds (the last one repeats); records its threads."""

    observation_space = spaces.Discrete(2)
    action_space = spaces.Discrete(2)
    delays: ClassVar[list[float]] = [0.05]
    threads: ClassVar[list[str]] = []

    def __init__(self) -> None:
        self.steps = 0

    def reset(self, *, seed=None, options=None):
        super().reset(seed=seed)
        return 0, {}

    def step(self, action):
        Sleepy.threads.append(threading.current_thread().name)
        delay = Sleepy.delays[min(self.steps, len(Sleepy.delays) - 1)]
        if delay:  # no sleep(0): it would give up the GIL and time the wait for it
            time.sleep(delay)
        self.steps += 1
        return 0, 0.0, False, False, {}


class Quick(gym.Env):
    """A microsecond env whose episodes never end."""

    observation_space = spaces.Discrete(2)
    action_space = spaces.Discrete(2)

    def reset(self, *, seed=None, options=None):
        super().reset(seed=seed)
        return 0, {}

    def step(self, action):
        return 0, 0.0, False, False, {}


def _session(factory) -> Session:
    return Session(factory(), Mode.SIMULATION)


async def _steps_while_pending(slow: Session, fast: Session, count: int) -> int:
    """How many of ``count`` fast steps finish before one slow step does."""
    pending = asyncio.create_task(slow.step({"action": 0}))
    await asyncio.sleep(0)  # let the slow step start
    finished = 0
    for _ in range(count):
        await fast.step({"action": 1})
        if not pending.done():
            finished += 1
    await pending
    return finished


def test_cheap_steps_move_inline_after_the_probe_and_a_50ms_step_stays_on_its_thread():
    Sleepy.delays, Sleepy.threads = [0.05], []

    async def scenario() -> tuple[dict, dict, int]:
        fast = _session(wrap(Quick))
        slow = _session(wrap(Sleepy))
        for session in (fast, slow):
            await session.reset({})
        for _ in range(placement.PROBE_CALLS + 2):
            await fast.step({"action": 1})
        for _ in range(placement.PROBE_CALLS):
            await slow.step({"action": 0})
        finished = await _steps_while_pending(slow, fast, 20)
        return fast.placement.describe(), slow.placement.describe(), finished

    fast_places, slow_places, finished = asyncio.run(scenario())
    assert fast_places["step"] == "inline"
    assert slow_places["step"] == "thread"
    assert finished == 20, "the 50 ms step blocked the other session"
    assert all(name.startswith("env-") for name in Sleepy.threads)


def test_an_env_that_turns_slow_stalls_the_loop_once_then_keeps_its_thread():
    Sleepy.delays = [0.0] * (placement.PROBE_CALLS + 1) + [0.05]
    Sleepy.threads = []

    async def scenario() -> tuple[str, dict, int]:
        turning = _session(wrap(Sleepy))
        fast = _session(wrap(Quick))
        await turning.reset({})
        await fast.reset({})
        for _ in range(placement.PROBE_CALLS + 1):  # cheap: probed, then inline
            await turning.step({"action": 0})
        assert turning.placement.describe()["step"] == "inline"
        await turning.step({"action": 0})  # the first slow step runs inline: one stall
        after_stall = turning.placement.describe()["step"]
        for _ in range(placement.PROBE_CALLS):  # re-measured on the thread: slow
            await turning.step({"action": 0})
        finished = await _steps_while_pending(turning, fast, 20)
        return after_stall, turning.placement.describe(), finished

    after_stall, places, finished = asyncio.run(scenario())
    assert after_stall == "probing"
    assert places["step"] == "thread"
    assert finished == 20, "a demoted 50 ms step blocked the other session"
    assert Sleepy.threads[-1].startswith("env-")


def test_a_fast_env_preempted_once_comes_back_inline():
    """On a busy machine a cheap inline call can take milliseconds of wall time (the
    process was preempted): the method is re-measured, not pinned to its thread."""
    Sleepy.delays = [0.0] * (placement.PROBE_CALLS + 1) + [0.005] + [0.0]
    Sleepy.threads = []

    async def scenario() -> list[str]:
        env = _session(wrap(Sleepy))
        await env.reset({})
        seen = []
        for _ in range(placement.PROBE_CALLS + 1):
            await env.step({"action": 0})
        seen.append(env.placement.describe()["step"])
        await env.step({"action": 0})  # the one slow (preempted) call
        seen.append(env.placement.describe()["step"])
        for _ in range(placement.PROBE_CALLS):
            await env.step({"action": 0})
        seen.append(env.placement.describe()["step"])
        await env.step({"action": 0})  # inline again: on the event loop's thread
        return seen

    assert asyncio.run(scenario()) == ["inline", "probing", "inline"]
    assert not Sleepy.threads[-1].startswith("env-")


def test_cartpole_steps_inline_once_measured():
    async def scenario() -> dict:
        cartpole = _session(wrap("CartPole-v1"))
        await cartpole.reset({"seed": 0})
        for i in range(placement.PROBE_CALLS + 2):
            if (await cartpole.step({"action": i % 2}))["done"]:
                await cartpole.reset({})
        return cartpole.placement.describe()

    assert asyncio.run(scenario())["step"] == "inline"


@pytest.mark.parametrize(("inline", "on_thread"), [(True, False), (False, True)])
def test_inline_true_or_false_forces_the_placement(inline, on_thread):
    Sleepy.delays, Sleepy.threads = [0.0], []

    async def scenario() -> None:
        session = _session(wrap(Sleepy, inline=inline))
        await session.reset({})
        for _ in range(placement.PROBE_CALLS + 2):
            await session.step({"action": 0})
        assert session.placement is None

    asyncio.run(scenario())
    assert {name.startswith("env-") for name in Sleepy.threads} == {on_thread}
