"""Isolation: two concurrent sessions never see each other's state."""

from __future__ import annotations

from typing import Any

from envbridge.conformance.checks.determinism import SEED
from envbridge.conformance.checks.observations import actions_to_try
from envbridge.conformance.model import CheckFailed, CheckSkipped, Level
from envbridge.conformance.probe import Probe
from envbridge.conformance.registry import conformance_check


@conformance_check(
    "isolation.sessions",
    Level.MUST,
    "concurrent sessions do not share state",
    sends=f'sessions A and B both reset {{"seed": {SEED}}}; B reads state; A steps several '
    "times; B reads state again",
    expects="B's state is unchanged by A's steps",
    rule="wire §3.5 (each connection owns its environment)",
)
async def sessions(probe: Probe) -> dict[str, Any]:
    probe.require_simulation()
    actions = await actions_to_try(probe)
    async with probe.ws() as a, probe.ws() as b:
        await a.reset(seed=SEED)
        frame = {"type": "reset", "data": {"seed": SEED}}
        reply = await b.request(frame)
        if (
            isinstance(reply, dict)
            and reply.get("type") == "error"
            and (reply.get("data") or {}).get("code") == "CAPACITY_REACHED"
        ):
            raise CheckSkipped("the server allows one session at a time")
        before = await b.state()
        taken = 0
        for action in actions:
            envelope = await a.step(action)
            taken += 1
            if envelope.get("done"):
                break
        after = await b.state()
        if after != before:
            raise CheckFailed(
                f"session B's state changed while session A took {taken} steps",
                sent=actions[:taken],
                received={"before": before, "after": after},
            )
    return {"steps_in_a": taken}
