"""The batch extension (envbridge, MAY): results in op order, sessions kept apart."""

from __future__ import annotations

from typing import Any

from envbridge.conformance.model import CheckFailed, CheckSkipped, Level
from envbridge.conformance.probe import Probe
from envbridge.conformance.registry import conformance_check
from envbridge.conformance.sessions import is_capacity_error


@conformance_check(
    "batch.equivalence",
    Level.MAY,
    "batch results follow op order and sessions stay apart",
    sends="when /metadata advertises extensions.batch: batch_open 3; one batch resets them "
    "with episode ids batch-0, batch-1, batch-2; one steps all three with the sample action; "
    "one reads their state in rotated op order (1, 2, 0); batch_close",
    expects="every reset/step op answers with an observation; the state results carry the "
    "episode ids batch-1, batch-2, batch-0 in that order with step_count 1; batch_close "
    "names all three",
    rule="protocol.md, Extension: batched stepping",
)
async def equivalence(probe: Probe) -> dict[str, Any]:
    probe.require_simulation()
    advertised = ((await probe.metadata()).get("extensions") or {}).get("batch")
    if not advertised:
        raise CheckSkipped("the server does not advertise the batch extension")
    names = [f"batch-{k}" for k in range(3)]
    order = [1, 2, 0]
    action = await probe.sample_action()
    async with probe.ws() as conn:
        request = {"type": "batch_open", "data": {"count": 3}}
        reply = await conn.request(request)
        if is_capacity_error(reply):
            raise CheckSkipped("the server serves fewer than the 3 sessions a batch opens here")
        opened = conn.expect_reply(request, reply, "batch_open")
        ids = opened["sessions"]
        await _batch(
            conn, [(i, "reset", {"episode_id": n}) for i, n in zip(ids, names, strict=True)]
        )
        await _batch(conn, [(i, "step", action) for i in ids])
        states = await _batch(conn, [(ids[k], "state", {}) for k in order], "state")
        closed = await conn.expect(
            {"type": "batch_close", "data": {"sessions": ids}}, "batch_close"
        )
    seen = [(s.get("episode_id"), s.get("step_count")) for s in states]
    expected = [(names[k], 1) for k in order]
    if seen != expected:
        raise CheckFailed(
            "batch results do not follow op order, or sessions mixed",
            sent={"episode_ids": names, "state_order": order},
            received={"states": seen, "expected": expected},
        )
    if sorted(closed.get("closed", [])) != sorted(ids):
        raise CheckFailed("batch_close did not close all three sessions", received=closed)
    return {"sessions": 3}


async def _batch(
    conn: Any, ops: list[tuple[str, str, Any]], kind: str = "observation"
) -> list[Any]:
    frame = {
        "type": "batch",
        "data": {"ops": [{"session": sid, "type": op, "data": data} for sid, op, data in ops]},
    }
    results = (await conn.expect(frame, "batch")).get("results", [])
    if len(results) != len(ops):
        raise CheckFailed(
            f"{len(ops)} ops got {len(results)} results", sent=frame, received=results
        )
    payloads = []
    for result in results:
        if not isinstance(result, dict) or result.get("type") != kind:
            raise CheckFailed(
                f"a batch op did not return a {kind!r} result", sent=frame, received=result
            )
        payloads.append(result["data"])
    return payloads
