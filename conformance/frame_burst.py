"""Sending malformed frames where they reach a session, and saying what each one did.

Each frame goes to a connection that holds a served session (its opening frame was
answered, so a capacity refusal is never mistaken for an answer). After a frame is
answered, a harmless follow-up (``state``, or ``tools/list`` in production) tells
whether that frame also ended the session: a close is charged to the frame that caused
it, never to the next one.
"""

from __future__ import annotations

import contextlib
import json
from typing import Any

from envbridge.conformance.model import CheckFailed
from envbridge.conformance.probe import SIMULATION, Probe
from envbridge.conformance.sessions import is_capacity_error, open_served, opening_frame
from envbridge.conformance.wsconn import WsConn

ANSWERED = "answered"
REFUSED = "refused"
"""No session could be had for the frame (CAPACITY_REACHED on every try)."""


def follow_up(probe: Probe) -> dict[str, Any]:
    """The harmless frame sent after each answered malformed one."""
    if probe.mode == SIMULATION:
        return {"type": "state"}
    return {"type": "mcp", "data": {"jsonrpc": "2.0", "id": 2, "method": "tools/list"}}


async def _event_text(ws: WsConn) -> str:
    """What the connection did next: answered, closed <code>, or silent."""
    kind, value = await ws.next_event()
    if kind == "frame":
        return ANSWERED
    return f"closed {value}" if kind == "closed" else "silent"


async def _session(probe: Probe) -> WsConn | None:
    """A connection holding a served session, or None when every try was refused."""
    ws, reply = await open_served(probe, opening_frame(probe))
    if isinstance(reply, dict) and reply.get("type") in ("observation", "mcp"):
        return ws
    await ws.close()
    if is_capacity_error(reply):
        return None
    raise CheckFailed(
        "a new session's opening frame was not answered", sent=opening_frame(probe), received=reply
    )


async def send_frames(probe: Probe, frames: list[str | bytes], wait_s: float) -> list[str]:
    """One outcome per frame: answered, answered then closed <code>, closed <code>,
    silent, or refused."""
    outcomes: list[str] = []
    ws: WsConn | None = None
    try:
        for frame in frames:
            if ws is None:
                ws = await _session(probe)
                if ws is None:
                    outcomes.append(REFUSED)
                    continue
                ws.timeout_s = wait_s
            with contextlib.suppress(CheckFailed):  # a close is read just below
                await ws.send(frame)
            outcome = await _event_text(ws)
            if outcome == ANSWERED:
                with contextlib.suppress(CheckFailed):
                    await ws.send(follow_up(probe))
                after = await _event_text(ws)
                if after == ANSWERED:
                    outcomes.append(ANSWERED)
                    continue
                outcome = f"{ANSWERED} then {after}"
            outcomes.append(outcome)
            await ws.close()
            ws = None
    finally:
        if ws is not None:
            await ws.close()
    return outcomes


def judged_ok(frame: str | bytes, outcome: str) -> bool:
    """A malformed text frame must be answered and keep its session; a binary frame may
    instead end the session with close 1000 (OpenEnv's SESSION_ERROR path)."""
    if outcome == ANSWERED:
        return True
    return isinstance(frame, bytes) and outcome in ("closed 1000", f"{ANSWERED} then closed 1000")


def kind_of(frame: str | bytes) -> str:
    """A short description of a malformed frame, for messages."""
    if isinstance(frame, bytes):
        return "a binary frame"
    try:
        value = json.loads(frame)
    except (ValueError, RecursionError):
        return "a frame that is not JSON"
    if not isinstance(value, dict):
        return f"non-object JSON ({type(value).__name__})"
    return "a JSON object that is not a valid message"


def behaviour(frame: str | bytes, outcome: str) -> str:
    """The real behaviour in words, e.g. "non-object JSON (list) ends the session"."""
    what = kind_of(frame)
    if outcome.startswith(f"{ANSWERED} then closed"):
        return f"{what} is answered, then ends the session ({outcome.split(' then ')[1]})"
    if outcome.startswith("closed"):
        return f"{what} ends the session without an error frame ({outcome})"
    if outcome == "silent":
        return f"{what} gets no reply and the session goes silent"
    if outcome == REFUSED:
        return f"{what} could not be sent: no session was served (CAPACITY_REACHED)"
    return f"{what}: {outcome}"
