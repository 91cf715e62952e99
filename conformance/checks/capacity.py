"""Capacity: over the session limit a client gets CAPACITY_REACHED; closed slots return."""

from __future__ import annotations

import asyncio
import contextlib
from typing import Any

from envbridge.conformance import expect
from envbridge.conformance.model import CheckFailed, Level
from envbridge.conformance.probe import SIMULATION, Probe, ws_url
from envbridge.conformance.registry import conformance_check
from envbridge.conformance.wsconn import WsConn
from websockets.exceptions import ConnectionClosed

RELEASE_RETRY_S = 3.0


def opening_frame(probe: Probe) -> dict[str, Any]:
    """The first request of a session: reset, or tools/list in production."""
    if probe.mode == SIMULATION:
        return {"type": "reset", "data": {}}
    return {"type": "mcp", "data": {"jsonrpc": "2.0", "id": 1, "method": "tools/list"}}


async def first_reply(ws: WsConn, frame: dict[str, Any]) -> Any:
    """Send ``frame`` and read one reply; a refusal frame may already be waiting."""
    with contextlib.suppress(CheckFailed, ConnectionClosed):
        await ws.send(frame)
    return await ws.receive(frame)


def is_capacity_error(reply: Any) -> bool:
    """True for an error frame with code CAPACITY_REACHED."""
    return (
        isinstance(reply, dict)
        and reply.get("type") == "error"
        and isinstance(reply.get("data"), dict)
        and reply["data"].get("code") == "CAPACITY_REACHED"
    )


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
    frame = opening_frame(probe)
    kind = "observation" if probe.mode == SIMULATION else "mcp"
    open_conns: list[WsConn] = []
    try:
        for index in range(probe.options.max_sessions_probe):
            ws = await WsConn.open(_ws(probe), probe.options.timeout_s)
            open_conns.append(ws)
            reply = await first_reply(ws, frame)
            if is_capacity_error(reply):
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
                probe._facts["session_limit"] = index
                return {"session_limit": index}
            if not isinstance(reply, dict) or reply.get("type") != kind:
                raise CheckFailed(
                    f"session {index + 1} got neither a {kind!r} reply nor CAPACITY_REACHED",
                    sent=frame,
                    received=reply,
                )
    finally:
        await asyncio.gather(*(ws.close() for ws in open_conns))
    return {"session_limit": f"> {probe.options.max_sessions_probe}"}


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
    sends="20 /ws sessions one after another, each: connect, reset (tools/list in "
    "production), close",
    expects="every session is served (a refusal may be retried for up to 3 s while the "
    "previous session winds down)",
    rule="wire §3.5 step 4 (close or disconnect destroys the session and frees its slot)",
)
async def release(probe: Probe) -> dict[str, Any]:
    frame = opening_frame(probe)
    rounds = probe.options.max_sessions_probe + 4
    for index in range(rounds):
        deadline = asyncio.get_running_loop().time() + RELEASE_RETRY_S
        while True:
            ws = await WsConn.open(_ws(probe), probe.options.timeout_s)
            try:
                reply = await first_reply(ws, frame)
            finally:
                await ws.close()
            if not is_capacity_error(reply):
                break
            if asyncio.get_running_loop().time() > deadline:
                raise CheckFailed(
                    f"session {index + 1} of {rounds} (one at a time) was refused "
                    "for capacity: closed sessions did not free their slots",
                    sent=frame,
                    received=reply,
                )
            await asyncio.sleep(0.1)
        if not isinstance(reply, dict) or reply.get("type") == "error":
            raise CheckFailed(f"session {index + 1} was not served", sent=frame, received=reply)
    return {"sessions": rounds}
