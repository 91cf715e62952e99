"""Observations and states validate against the server's own ``/schema``."""

from __future__ import annotations

from typing import Any

from envbridge.conformance import expect
from envbridge.conformance.actions import accepted_actions
from envbridge.conformance.model import CheckFailed, CheckSkipped, Level
from envbridge.conformance.probe import Probe
from envbridge.conformance.registry import conformance_check


async def _schema_of(probe: Probe, key: str) -> dict[str, Any]:
    schema = (await probe.schema()).get(key)
    if not isinstance(schema, dict):
        raise CheckFailed(f"/schema has no {key!r} object", sent="GET /schema")
    return schema


async def actions_to_try(probe: Probe) -> list[dict[str, Any]]:
    """Actions the environment accepts (``--action``, or found by trying candidates).

    CheckSkipped with a ``--action`` hint when none is accepted.
    """
    await probe.sample_action()  # raises the skip when nothing is accepted
    return await accepted_actions(probe)


@conformance_check(
    "obs.step_schema",
    Level.MUST,
    "step observations match /schema observation",
    sends="reset, then step with each action the environment was found to accept",
    expects="every data.observation validates against /schema observation (a step answered "
    "with an error frame is not judged here)",
    rule="wire §6.3-6.4; 0.10.x grader observation_schema (§8.2)",
)
async def step_schema(probe: Probe) -> dict[str, Any]:
    probe.require_simulation()
    schema = await _schema_of(probe, "observation")
    checked, refused = 0, 0
    actions = await actions_to_try(probe)  # before our session: it may hold the only slot
    async with probe.ws() as ws:
        await ws.reset()
        for action in actions:
            frame = {"type": "step", "data": action}
            reply = await ws.request(frame, "ws step")
            if not isinstance(reply, dict) or reply.get("type") != "observation":
                refused += 1  # no observation, nothing to judge (ws.step judges replies)
                continue
            data = reply.get("data") if isinstance(reply.get("data"), dict) else {}
            expect.conforms(data.get("observation"), schema, "the step observation", action)
            checked += 1
            if data.get("done"):
                await ws.reset()
    if not checked:
        raise CheckSkipped("no step was answered with an observation: nothing to judge")
    return {"observations_checked": checked, "not_observations": refused}


@conformance_check(
    "obs.reset_schema",
    Level.SHOULD,
    "reset observations match /schema",
    sends="reset with seeds 0, 1 and none",
    expects="data.observation validates against /schema reset_observation (or observation)",
    rule="wire §6.4 (0.10.x reset_observation). OpenEnv MCP environments fail this: their "
    "observation schema requires tool_name, which reset observations lack (§14.7)",
)
async def reset_schema(probe: Probe) -> dict[str, Any]:
    probe.require_simulation()
    body = await probe.schema()
    key = "reset_observation" if "reset_observation" in body else "observation"
    schema = await _schema_of(probe, key)
    async with probe.ws() as ws:
        for data in ({"seed": 0}, {"seed": 1}, {}):
            sent = {"type": "reset", "data": data}
            envelope = await ws.reset(**data)
            expect.conforms(envelope.get("observation"), schema, "the reset observation", sent)
    return {"schema": key}


@conformance_check(
    "obs.state_schema",
    Level.SHOULD,
    "state matches /schema state",
    sends="reset, step, state",
    expects="the state object validates against /schema state",
    rule="wire §3.3 and §6.4",
)
async def state_schema(probe: Probe) -> dict[str, Any]:
    probe.require_simulation()
    schema = await _schema_of(probe, "state")
    action = await probe.sample_action()
    async with probe.ws() as ws:
        await ws.reset()
        await ws.step(action)
        expect.conforms(await ws.state(), schema, "the state", {"type": "state"})
    return {}
