"""Opening a served session: connect, send the opening frame, wait out capacity refusals.

A server limited to one session (OpenEnv's default) refuses a new connection with
CAPACITY_REACHED until the previous session has wound down; checks that run sessions
one after the other open them here so a slot still being freed is not a failure.
"""

from __future__ import annotations

import asyncio
import contextlib
from typing import Any

from envbridge.conformance.model import CheckFailed
from envbridge.conformance.probe import SIMULATION, Probe, ws_url
from envbridge.conformance.wsconn import WsConn
from websockets.exceptions import ConnectionClosed

RELEASE_RETRY_S = 3.0
"""How long a refused session is retried while a closed one frees its slot."""


def opening_frame(probe: Probe) -> dict[str, Any]:
    """The first request of a session: reset, or tools/list in production."""
    if probe.mode == SIMULATION:
        return {"type": "reset", "data": {}}
    return {"type": "mcp", "data": {"jsonrpc": "2.0", "id": 1, "method": "tools/list"}}


def is_capacity_error(reply: Any) -> bool:
    """True for an error frame with code CAPACITY_REACHED."""
    return (
        isinstance(reply, dict)
        and reply.get("type") == "error"
        and isinstance(reply.get("data"), dict)
        and reply["data"].get("code") == "CAPACITY_REACHED"
    )


async def first_reply(ws: WsConn, frame: dict[str, Any]) -> Any:
    """Send ``frame`` and read one reply; a refusal frame may already be waiting."""
    with contextlib.suppress(CheckFailed, ConnectionClosed):
        await ws.send(frame)
    return await ws.receive(frame)


async def open_served(
    probe: Probe, frame: dict[str, Any] | None = None, retry_s: float = RELEASE_RETRY_S
) -> tuple[WsConn, Any]:
    """A new /ws connection and its reply to ``frame`` (default: the opening frame).

    Capacity refusals are retried for ``retry_s``; the last reply is returned as is, so
    the caller sees a refusal that outlasted the wait. The caller closes the connection.
    """
    frame = frame or opening_frame(probe)
    url = ws_url(probe.url, "/ws")
    deadline = asyncio.get_running_loop().time() + retry_s
    while True:
        ws = await WsConn.open(url, probe.options.timeout_s, probe.latency)
        try:
            reply = await first_reply(ws, frame)
        except CheckFailed:
            await ws.close()
            raise
        if not is_capacity_error(reply) or asyncio.get_running_loop().time() > deadline:
            return ws, reply
        await ws.close()
        await asyncio.sleep(0.05)


@contextlib.asynccontextmanager
async def served_session(probe: Probe, **reset: Any):  # type: ignore[no-untyped-def]
    """``async with served_session(probe, seed=7) as (ws, envelope)``: a reset session.

    Raises CheckFailed when the server still refuses after RELEASE_RETRY_S or answers
    the reset with anything but an observation.
    """
    frame = {"type": "reset", "data": reset}
    ws, reply = await open_served(probe, frame)
    try:
        if not isinstance(reply, dict) or reply.get("type") != "observation":
            raise CheckFailed(
                "a new session was not served: reset got no observation", sent=frame, received=reply
            )
        yield ws, reply.get("data")
    finally:
        await ws.close()
