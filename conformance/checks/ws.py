"""WebSocket lifecycle: reset, step, state bookkeeping, close, several episodes."""

from __future__ import annotations

from typing import Any

from envbridge.conformance import expect
from envbridge.conformance.model import CheckFailed, Level
from envbridge.conformance.probe import Probe
from envbridge.conformance.registry import conformance_check

MAX_EPISODE_STEPS = 30


@conformance_check(
    "ws.reset",
    Level.MUST,
    "reset over /ws returns an observation",
    sends='{"type": "reset", "data": {}} on /ws',
    expects='{"type": "observation", "data": {"observation": {...}, "reward": R, "done": false}}',
    rule="wire §3.2-3.3, §13.2",
    quick=True,
)
async def reset(probe: Probe) -> dict[str, Any]:
    probe.require_simulation()
    async with probe.ws() as ws:
        data = expect.envelope(await ws.reset(), "reset")
    if data["done"]:
        raise CheckFailed("a fresh episode must not start done", sent="reset", received=data)
    return {}


@conformance_check(
    "ws.step",
    Level.MUST,
    "step over /ws returns an observation",
    sends='reset, then {"type": "step", "data": <sample action>}',
    expects="an observation frame with a well-formed envelope",
    rule="wire §3.2-3.3, §13.2",
    quick=True,
)
async def step(probe: Probe) -> dict[str, Any]:
    probe.require_simulation()
    action = await probe.sample_action()
    async with probe.ws() as ws:
        await ws.reset()
        expect.envelope(await ws.step(action), {"type": "step", "data": action})
    return {"action": action}


@conformance_check(
    "ws.state",
    Level.MUST,
    "state counts steps and restarts with each episode",
    sends="reset, state, step, step, state, reset, state on one /ws connection",
    expects="state frames with step_count 0, then 2, then 0 again; episode_id a string or null",
    rule="wire §3.2-3.3, §13.2; 0.10.x runtime grader state_contract (§8.2)",
    quick=True,
)
async def state(probe: Probe) -> dict[str, Any]:
    probe.require_simulation()
    action = await probe.sample_action()
    async with probe.ws() as ws:
        await ws.reset()
        counts = [expect.state(await ws.state(), "state")["step_count"]]
        taken = 0
        for _ in range(2):
            taken += 1
            if (await ws.step(action))["done"]:
                break
        counts.append(expect.state(await ws.state(), "state")["step_count"])
        await ws.reset()
        counts.append(expect.state(await ws.state(), "state")["step_count"])
    if counts != [0, taken, 0]:
        raise CheckFailed(
            "step_count must be 0 after reset and grow by one per step",
            sent=f"reset, state, step x{taken}, state, reset, state",
            received={"step_counts": counts, "expected": [0, taken, 0]},
        )
    return {"step_counts": counts}


@conformance_check(
    "ws.episode_id",
    Level.SHOULD,
    "state reports the episode id reset was given",
    sends='reset {"episode_id": "conformance-episode-1"}, state; reset {}, state',
    expects="state.episode_id equals the id sent; a reset without one gets a different id",
    rule="wire §2.2 ResetRequest.episode_id; 0.10.x grader state_contract (§8.2)",
)
async def episode_id(probe: Probe) -> dict[str, Any]:
    probe.require_simulation()
    async with probe.ws() as ws:
        await ws.reset(episode_id="conformance-episode-1")
        first = expect.state(await ws.state(), "state")
        await ws.reset()
        second = expect.state(await ws.state(), "state")
    if first["episode_id"] != "conformance-episode-1":
        raise CheckFailed(
            "state.episode_id must be the episode_id given to reset",
            sent={"type": "reset", "data": {"episode_id": "conformance-episode-1"}},
            received=first,
        )
    if second["episode_id"] == first["episode_id"]:
        raise CheckFailed(
            "a new episode must not keep the previous episode_id",
            sent={"type": "reset", "data": {}},
            received=second,
        )
    return {}


@conformance_check(
    "ws.close",
    Level.MUST,
    "close ends the session with code 1000 and no reply",
    sends='reset, then {"type": "close"}',
    expects="no reply frame; the server closes the WebSocket with code 1000",
    rule="wire §3.2 close, §13.4",
    quick=True,
)
async def close(probe: Probe) -> dict[str, Any]:
    async with probe.ws() as ws:
        if probe.mode == "simulation":
            await ws.reset()
        await ws.send({"type": "close"})
        code = await ws.closed_code({"type": "close"})
    if code != 1000:
        raise CheckFailed(
            "the server must close with code 1000 after a close frame",
            sent={"type": "close"},
            received={"close_code": code},
        )
    return {}


@conformance_check(
    "ws.episodes",
    Level.MUST,
    "several episodes run on one connection",
    sends="three episodes on one /ws connection: reset, then the sample action until done "
    f"(at most {MAX_EPISODE_STEPS} steps)",
    expects="every reset starts a fresh episode (done false, even after a finished one) and "
    "every step is answered with an observation",
    rule="wire §3.5 (the connection is the session; reset starts a new episode)",
)
async def episodes(probe: Probe) -> dict[str, Any]:
    probe.require_simulation()
    action = await probe.sample_action()
    lengths = []
    async with probe.ws() as ws:
        for episode in range(3):
            start = await ws.reset()
            if start.get("done") is not False:
                raise CheckFailed(
                    f"reset of episode {episode + 1} must start with done false",
                    sent={"type": "reset", "data": {}},
                    received=start,
                )
            steps = 0
            while steps < MAX_EPISODE_STEPS:
                steps += 1
                if (await ws.step(action)).get("done"):
                    break
            lengths.append(steps)
    return {"episode_lengths": lengths}
