"""Capacity: over the session limit a client gets CAPACITY_REACHED; closed slots return."""

from __future__ import annotations

import asyncio
from typing import Any

from envbridge.conformance import expect
from envbridge.conformance.model import CheckFailed, Level
from envbridge.conformance.probe import SIMULATION, Probe, ws_url
from envbridge.conformance.registry import conformance_check
from envbridge.conformance.sessions import (
    first_reply,
    is_capacity_error,
    open_served,
    opening_frame,
)
from envbridge.conformance.wsconn import WsConn


@conformance_check(
    "capacity.over_limit",
    Level.MUST,
    "over the session limit: CAPACITY_REACHED, then close",
    sends="up to 16 concurrent /ws connections, each sending reset (tools/list in production)",
    expects="either every session works, or the first refused one gets an error frame "
    "CAPACITY_REACHED (with integer active_sessions and max_sessions) followed by close 1000, "
    "while the sessions already open keep working",
    rule="wire §3.4 CAPACITY_REACHED and §3.5 step 2 (handshake succeeds, error, close 1000)",
)
async def over_limit(probe: Probe) -> dict[str, Any]:
    limit = await _probe_limit(probe, judge=True)
    return {
        "session_limit": limit if limit is not None else f"> {probe.options.max_sessions_probe}"
    }


async def _probe_limit(probe: Probe, judge: bool) -> int | None:
    """Open sessions until one is refused; its index is the limit (None: none refused).

    The limit is remembered before the refusal is judged, so capacity.release can use it
    even when the refusal itself is malformed.
    """
    frame = opening_frame(probe)
    kind = "observation" if probe.mode == SIMULATION else "mcp"
    open_conns: list[WsConn] = []
    try:
        for index in range(probe.options.max_sessions_probe):
            ws = await WsConn.open(_ws(probe), probe.options.timeout_s)
            open_conns.append(ws)
            reply = await first_reply(ws, frame)
            if is_capacity_error(reply):
                probe.facts["session_limit"] = index
                if judge:
                    _check_refusal(reply, frame)
                    code = await ws.closed_code(frame)
                    if code != 1000:
                        raise CheckFailed(
                            "after CAPACITY_REACHED the server closes with code 1000",
                            sent=frame,
                            received={"close_code": code},
                        )
                    if open_conns[:-1]:
                        await open_conns[0].expect(frame, kind)
                return index
            if not isinstance(reply, dict) or reply.get("type") != kind:
                raise CheckFailed(
                    f"session {index + 1} got neither a {kind!r} reply nor CAPACITY_REACHED",
                    sent=frame,
                    received=reply,
                )
    finally:
        await asyncio.gather(*(ws.close() for ws in open_conns))
    probe.facts["session_limit"] = None
    return None


def _check_refusal(reply: dict[str, Any], frame: Any) -> None:
    data = expect.error_frame(reply["data"], frame, "CAPACITY_REACHED")
    for key in ("active_sessions", "max_sessions"):
        if not isinstance(data.get(key), int):
            raise CheckFailed(
                f"CAPACITY_REACHED carries an integer {key!r}", sent=frame, received=reply
            )


def _ws(probe: Probe) -> str:
    return ws_url(probe.url, "/ws")


@conformance_check(
    "capacity.release",
    Level.MUST,
    "closed sessions free their slots",
    sends="after the capacity probe's sessions are closed: as many concurrent /ws sessions as "
    "the limit it found (16 when none), each sending reset (tools/list in production)",
    expects="every one is served (a refusal is retried for up to 3 s while closed sessions "
    "wind down)",
    rule="wire §3.5 step 4 (close or disconnect destroys the session and frees its slot)",
)
async def release(probe: Probe) -> dict[str, Any]:
    if "session_limit" not in probe.facts:
        await _probe_limit(probe, judge=False)
    limit = probe.facts["session_limit"] or probe.options.max_sessions_probe
    frame = opening_frame(probe)
    open_conns: list[WsConn] = []
    try:
        for index in range(limit):
            ws, reply = await open_served(probe, frame)
            open_conns.append(ws)
            if not isinstance(reply, dict) or reply.get("type") == "error":
                raise CheckFailed(
                    f"session {index + 1} of {limit} was refused: closed sessions did not "
                    "free their slots",
                    sent=frame,
                    received=reply,
                )
    finally:
        await asyncio.gather(*(ws.close() for ws in open_conns))
    return {"sessions": limit}
