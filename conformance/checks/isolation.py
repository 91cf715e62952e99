"""Isolation: sessions never see each other's state, concurrent or one after the other."""

from __future__ import annotations

from typing import Any

from envbridge.conformance.checks.determinism import SEED
from envbridge.conformance.checks.observations import actions_to_try
from envbridge.conformance.model import CheckFailed, Level
from envbridge.conformance.probe import Probe, ws_url
from envbridge.conformance.registry import conformance_check
from envbridge.conformance.sessions import first_reply, is_capacity_error, served_session
from envbridge.conformance.wsconn import WsConn

_RESET = {"type": "reset", "data": {"seed": SEED}}


async def _steps(ws: WsConn, actions: list[dict[str, Any]]) -> int:
    """Step each action until done; the number taken (error replies count too)."""
    taken = 0
    for action in actions:
        reply = await ws.request({"type": "step", "data": action}, "ws step")
        taken += 1
        if reply.get("type") == "observation" and (reply.get("data") or {}).get("done"):
            break
    return taken


def _without_episode_id(state: Any) -> Any:
    return (
        {k: v for k, v in state.items() if k != "episode_id"} if isinstance(state, dict) else state
    )


MORE_STARTS = 8
"""Untouched sessions a one-session check opens at most to tell a random start from a leak."""


async def _fresh_state(probe: Probe) -> Any:
    async with served_session(probe, seed=SEED) as (ws, _):
        return _without_episode_id(await ws.state())


def _traces(starts: list[Any], a_end: Any, after: Any) -> list[str]:
    """Fields of ``after`` holding the value session A ended with, which no start had."""
    if not all(isinstance(state, dict) for state in (*starts, a_end, after)):
        return []
    return sorted(
        key
        for key, value in after.items()
        if key in a_end and a_end[key] == value and all(start.get(key) != value for start in starts)
    )


async def _sequential(probe: Probe, actions: list[dict[str, Any]]) -> dict[str, Any]:
    """One session at a time: a closed session's steps never show in the next one's state.

    A buffer session first takes whatever the action search's sessions may have left
    behind. The next session after A must start like A did. When it does not, more
    untouched sessions tell a leak from a start that varies by itself (a seed the
    environment ignores, an opponent that draws its colour): a leak never returns to A's
    start; a varying start does, and then only the fields A's steps changed are judged
    (none may show, with A's end value, in the next session).
    """
    await _fresh_state(probe)  # the buffer: not a start (the action search stepped before it)
    async with served_session(probe, seed=SEED) as (ws, _):
        fresh = _without_episode_id(await ws.state())
        taken = await _steps(ws, actions)
        a_end = _without_episode_id(await ws.state())
    after = await _fresh_state(probe)
    starts = [fresh]
    details: dict[str, Any] = {
        "steps_in_a": taken,
        "sessions": "one at a time (the server serves one session)",
        "compared": "state",
    }
    if after in starts:
        return details
    later: list[Any] = []  # untouched sessions opened after A, until the start is explained
    while len(later) < MORE_STARTS and not (
        any(state in starts for state in later) and not _traces([*starts, *later], a_end, after)
    ):
        later.append(await _fresh_state(probe))
    failure = {
        "sent": [_RESET, *actions[:taken], "close", _RESET, {"type": "state"}],
        "received": {"first session after reset": fresh, "next session after reset": after},
    }
    if not any(state in starts for state in later):
        raise CheckFailed(
            f"a new session's state after reset carries traces of a closed session that took "
            f"{taken} steps (none of {len(later)} later sessions started like that session did at "
            "first)",
            **failure,
        )
    traces = _traces([*starts, *later], a_end, after)
    if traces:
        raise CheckFailed(
            f"a new session's state after reset holds the value of {', '.join(traces)} that a "
            f"closed session ended with after {taken} steps, a value no untouched start had",
            **failure,
        )
    details["compared"] = (
        f"the fields A's steps changed (the start varies by itself; {len(later) + 2} starts "
        "sampled)"
    )
    return details


@conformance_check(
    "isolation.sessions",
    Level.MUST,
    "sessions do not share state",
    sends=f'sessions A and B both reset {{"seed": {SEED}}}; B reads state; A steps several '
    "times; B reads state again. A server that refuses B (CAPACITY_REACHED) is checked one "
    "session at a time: a buffer session resets; A resets, reads state, steps, reads state "
    "and closes; B resets and reads state (then up to 8 more sessions when B's start differs "
    "from A's)",
    expects="B's state is unchanged by A's steps (one at a time: B's state after reset equals "
    "A's, episode_id aside; when the start varies by itself, later sessions return to A's "
    "start and no field shows in B with the value A ended with)",
    rule="wire §3.5 (each connection owns its environment)",
)
async def sessions(probe: Probe) -> dict[str, Any]:
    probe.require_simulation()
    actions = await actions_to_try(probe)
    async with served_session(probe, seed=SEED) as (a, _):
        b = await WsConn.open(ws_url(probe.url, "/ws"), probe.options.timeout_s)
        try:
            reply = await first_reply(b, _RESET)
            if not is_capacity_error(reply):
                if not isinstance(reply, dict) or reply.get("type") != "observation":
                    raise CheckFailed(
                        "session B's reset got no observation", sent=_RESET, received=reply
                    )
                before = await b.state()
                taken = await _steps(a, actions)
                after = await b.state()
                if after != before:
                    raise CheckFailed(
                        f"session B's state changed while session A took {taken} steps",
                        sent=actions[:taken],
                        received={"before": before, "after": after},
                    )
                return {"steps_in_a": taken, "sessions": "concurrent"}
        finally:
            await b.close()
    return await _sequential(probe, actions)
