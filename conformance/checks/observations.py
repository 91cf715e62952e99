"""Observations and states validate against the server's own ``/schema``."""

from __future__ import annotations

from typing import Any

from envbridge.conformance import expect
from envbridge.conformance.model import CheckFailed, Level
from envbridge.conformance.probe import Probe
from envbridge.conformance.registry import conformance_check
from envbridge.conformance.schema_strategies import examples

GENERATED_ACTIONS = 6


async def _schema_of(probe: Probe, key: str) -> dict[str, Any]:
    schema = (await probe.schema()).get(key)
    if not isinstance(schema, dict):
        raise CheckFailed(f"/schema has no {key!r} object", sent="GET /schema")
    return schema


async def actions_to_try(probe: Probe) -> list[dict[str, Any]]:
    """The sample action plus a few generated from ``/schema`` action (same every run)."""
    found = [await probe.sample_action()]
    if probe.options.action is None:
        count = 2 if probe.options.quick else GENERATED_ACTIONS
        found += [a for a in examples(await probe.action_schema(), count) if a not in found]
    return found


@conformance_check(
    "obs.step_schema",
    Level.MUST,
    "step observations match /schema observation",
    sends="reset, then step with the sample action and actions generated from /schema action",
    expects="every data.observation validates against /schema observation",
    rule="wire §6.3-6.4; 0.10.x grader observation_schema (§8.2)",
)
async def step_schema(probe: Probe) -> dict[str, Any]:
    probe.require_simulation()
    schema = await _schema_of(probe, "observation")
    checked = 0
    async with probe.ws() as ws:
        await ws.reset()
        for action in await actions_to_try(probe):
            data = await ws.step(action)
            expect.conforms(data.get("observation"), schema, "the step observation", action)
            checked += 1
            if data.get("done"):
                await ws.reset()
    return {"observations_checked": checked}


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
    async with probe.ws() as ws:
        await ws.reset()
        await ws.step(await probe.sample_action())
        expect.conforms(await ws.state(), schema, "the state", {"type": "state"})
    return {}
