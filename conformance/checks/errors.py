"""Errors: each WebSocket error code provoked by its input; HTTP 422 for bad bodies.

EXECUTION_ERROR and FACTORY_ERROR need an environment that raises, which no outside
probe can arrange; CAPACITY_REACHED is provoked by the capacity area.
"""

from __future__ import annotations

import contextlib
from typing import Any

from envbridge.conformance import expect
from envbridge.conformance.model import CheckFailed, CheckSkipped, Level
from envbridge.conformance.probe import SIMULATION, Probe, json_object
from envbridge.conformance.registry import conformance_check
from envbridge.conformance.sessions import open_served
from envbridge.conformance.wsconn import WsConn

_LIST_TOOLS = {"jsonrpc": "2.0", "id": 1, "method": "tools/list", "params": {}}


async def still_open(probe: Probe, ws: WsConn, after: Any) -> None:
    """The session answers a harmless request after an error (state, or tools/list)."""
    message = (
        {"type": "state"} if probe.mode == SIMULATION else {"type": "mcp", "data": _LIST_TOOLS}
    )
    try:
        await ws.expect(message, message["type"])
    except CheckFailed as exc:
        raise CheckFailed(
            f"the session must survive a non-fatal error: {exc.message}",
            sent=[after, message],
            received=exc.received,
        ) from None


async def _provoke(probe: Probe, frame: Any, code: str) -> dict[str, Any]:
    async with probe.ws() as ws:
        if probe.mode == SIMULATION:
            await ws.reset()
        data = expect.error_frame(await ws.expect_error(frame), frame, code)
        await still_open(probe, ws, frame)
    return data


@conformance_check(
    "errors.invalid_json",
    Level.MUST,
    "a non-JSON frame gets INVALID_JSON",
    sends="the text frame '{not json' on /ws, then a state (or tools/list) frame",
    expects="an error frame with code INVALID_JSON; the session keeps answering",
    rule="wire §3.4 INVALID_JSON (session continues)",
    quick=True,
)
async def invalid_json(probe: Probe) -> dict[str, Any]:
    await _provoke(probe, "{not json", "INVALID_JSON")
    return {}


@conformance_check(
    "errors.unknown_type",
    Level.MUST,
    "an unknown message type gets UNKNOWN_TYPE",
    sends='{"type": "frobnicate", "data": {}} on /ws, then a state (or tools/list) frame',
    expects="an error frame with code UNKNOWN_TYPE; the session keeps answering",
    rule="wire §3.4 UNKNOWN_TYPE (session continues)",
    quick=True,
)
async def unknown_type(probe: Probe) -> dict[str, Any]:
    await _provoke(probe, {"type": "frobnicate", "data": {}}, "UNKNOWN_TYPE")
    return {}


@conformance_check(
    "errors.validation",
    Level.MUST,
    "a malformed envelope gets VALIDATION_ERROR",
    sends='{"type": "step", "data": "not an object"} on /ws, then a state (or tools/list) frame',
    expects="an error frame with code VALIDATION_ERROR and an 'errors' list; the session "
    "keeps answering",
    rule="wire §3.4 VALIDATION_ERROR (extras: errors; session continues)",
    quick=True,
)
async def validation(probe: Probe) -> dict[str, Any]:
    frame = {"type": "step", "data": "not an object"}
    data = await _provoke(probe, frame, "VALIDATION_ERROR")
    if not isinstance(data.get("errors"), list):
        raise CheckFailed(
            "VALIDATION_ERROR must list the problems in 'errors'", sent=frame, received=data
        )
    return {}


def schema_violation(schema: dict[str, Any], valid: dict[str, Any]) -> dict[str, Any] | None:
    """An action ``schema`` rejects, built from a ``valid`` one; None if none is obvious."""
    if schema.get("additionalProperties") is False:
        return {**valid, "conformance_unexpected_field": 1}
    for name, prop in (schema.get("properties") or {}).items():
        if isinstance(prop, dict) and prop.get("type") in ("integer", "number", "boolean"):
            return {**valid, name: "conformance: not a number"}
    return None


async def _violation(probe: Probe) -> dict[str, Any]:
    bad = schema_violation(await probe.action_schema(), await probe.sample_action())
    if bad is None:
        raise CheckSkipped("/schema action accepts any object: no invalid action to send")
    return bad


@conformance_check(
    "errors.action_validation",
    Level.SHOULD,
    "an action /schema forbids gets VALIDATION_ERROR",
    sends="reset, then step with the sample action plus an unexpected field (or a property of "
    "the wrong type), then state",
    expects="an error frame with code VALIDATION_ERROR and an 'errors' list; the session keeps "
    "answering",
    rule="wire §3.4 and §6.2 (actions are validated; unknown fields rejected)",
)
async def action_validation(probe: Probe) -> dict[str, Any]:
    probe.require_simulation()
    bad = await _violation(probe)
    frame = {"type": "step", "data": bad}
    data = await _provoke(probe, frame, "VALIDATION_ERROR")
    if not isinstance(data.get("errors"), list) or not data["errors"]:
        raise CheckFailed(
            "VALIDATION_ERROR must list the problems in 'errors'", sent=frame, received=data
        )
    return {"action": bad}


async def _expect_422(probe: Probe, body: Any, raw: bytes | None = None) -> None:
    sent = raw.decode(errors="replace") if raw is not None else body
    response = await probe.post("/step", body, raw=raw)
    expect.status(response, {422}, f"POST /step {sent}")
    if "detail" not in json_object(response, sent, "POST /step"):
        raise CheckFailed("a 422 body carries 'detail'", sent=sent, received=response.text)


@conformance_check(
    "errors.http_422",
    Level.MUST,
    "bad HTTP bodies get 422, never 500",
    sends='POST /step with {}, with \'{not json\', and with {"action": "x"}',
    expects="HTTP 422 with a JSON body holding 'detail', each time",
    rule="wire §2.3 (422 for missing action, invalid JSON, non-object action)",
    quick=True,
)
async def http_422(probe: Probe) -> dict[str, Any]:
    probe.require_simulation()
    await _expect_422(probe, {})
    await _expect_422(probe, None, raw=b"{not json")
    await _expect_422(probe, {"action": "x"})
    return {}


@conformance_check(
    "errors.http_action_422",
    Level.SHOULD,
    "an action /schema forbids gets HTTP 422",
    sends="POST /step with the sample action plus an unexpected field (or a wrong type)",
    expects="HTTP 422 with a JSON body holding 'detail'",
    rule="wire §2.3 (extra_forbidden / type errors are 422)",
)
async def http_action_422(probe: Probe) -> dict[str, Any]:
    probe.require_simulation()
    await _expect_422(probe, {"action": await _violation(probe)})
    return {}


DOCUMENTED_CODES = frozenset(
    {
        "INVALID_JSON",
        "UNKNOWN_TYPE",
        "VALIDATION_ERROR",
        "EXECUTION_ERROR",
        "SESSION_ERROR",
        "EPISODE_NOT_STARTED",
    }
)
"""Error codes a step before the first reset may get (wire §3.4 plus envbridge's
EPISODE_NOT_STARTED extension)."""


@conformance_check(
    "errors.step_before_reset",
    Level.SHOULD,
    "a step before any reset is answered and leaves the session usable",
    sends="on a new /ws session, step with an accepted action (else {}) before any reset; "
    "then reset",
    expects="the step gets an observation (OpenEnv lets a fresh environment step) or an error "
    "frame with a documented code and a message; the session stays open and the reset that "
    "follows is answered with an observation",
    rule="wire §3.4 (errors are frames, the session continues) and §3.5; envbridge: "
    "EPISODE_NOT_STARTED",
)
async def step_before_reset(probe: Probe) -> dict[str, Any]:
    probe.require_simulation()
    action: dict[str, Any] = {}
    with contextlib.suppress(CheckSkipped):
        action = await probe.sample_action()
    frame = {"type": "step", "data": action}
    ws, reply = await open_served(probe, frame)
    try:
        if isinstance(reply, dict) and reply.get("type") == "error":
            data = expect.error_frame(reply.get("data"), frame)
            if data.get("code") not in DOCUMENTED_CODES:
                raise CheckFailed(
                    f"a step before reset got the undocumented error code {data.get('code')!r}",
                    sent=frame,
                    received=reply,
                )
        elif not isinstance(reply, dict) or reply.get("type") != "observation":
            raise CheckFailed(
                "a step before reset got neither an observation nor an error frame",
                sent=frame,
                received=reply,
            )
        try:
            await ws.reset()
        except CheckFailed as exc:
            raise CheckFailed(
                f"the session is not usable after a step before reset: {exc.message}",
                sent=[frame, {"type": "reset", "data": {}}],
                received=exc.received,
            ) from None
    finally:
        await ws.close()
    return {"answer": reply.get("type") if isinstance(reply, dict) else None}
