"""Isolation: two concurrent sessions never see each other's state."""

from __future__ import annotations

from typing import Any

from envbridge.conformance.checks.determinism import SEED, _comparable
from envbridge.conformance.checks.observations import actions_to_try
from envbridge.conformance.model import CheckFailed, CheckSkipped, Level
from envbridge.conformance.probe import Probe
from envbridge.conformance.registry import conformance_check


@conformance_check(
    "isolation.sessions",
    Level.MUST,
    "concurrent sessions do not share state",
    sends=f'sessions A and B both reset {{"seed": {SEED}}}; A steps several times; B reads '
    "state, then takes A's first action",
    expects="B's state is unchanged by A's steps; (deterministic servers) B's first step "
    "observes what A's first step observed",
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
        first = None
        taken = 0
        for action in actions:
            envelope = await a.step(action)
            first = first or _comparable(envelope)
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
        if await probe.deterministic():
            mine = _comparable(await b.step(actions[0]))
            if mine != first:
                raise CheckFailed(
                    "B's first step saw A's steps (same seed, same action, different observation)",
                    sent=actions[0],
                    received={"A": first, "B": mine},
                )
    return {"steps_in_a": taken}
