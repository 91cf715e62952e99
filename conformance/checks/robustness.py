"""Robustness: a bounded burst of malformed frames and bodies harms nobody else."""

from __future__ import annotations

import contextlib
import random
from typing import Any

import httpx
from envbridge.conformance import expect
from envbridge.conformance.frame_burst import ANSWERED, REFUSED, behaviour, judged_ok, send_frames
from envbridge.conformance.model import CheckFailed, CheckSkipped, Level
from envbridge.conformance.probe import SIMULATION, Probe
from envbridge.conformance.registry import conformance_check
from envbridge.conformance.sessions import is_capacity_error, open_served, opening_frame
from envbridge.conformance.wsconn import WsConn

BURST_SEED = 20261122
REPLY_WAIT_S = 2.0


def malformed_frames(rng: random.Random, quick: bool) -> list[str | bytes]:
    """WebSocket frames no server should choke on (the same list for the same seed)."""
    frames: list[str | bytes] = [
        "",
        "null",
        "[]",
        "123",
        '"reset"',
        '{"type": 5}',
        '{"type": ["reset"]}',
        '{"type": "reset", "data": {"seed": "abc"}}',
        '{"type": "reset", "data": {"seed": -1}}',
        '{"type": "reset", "data": {"seed": 100000000000000000000000000000}}',
        '{"type": "step", "data": {"\\u0000": [1e308, -1e308, {"x": null}]}}',
        '{"type": "mcp", "data": {"jsonrpc": "2.0", "id": 1, "method": "tools/call", '
        '"params": {"name": 123}}}',
        '{"type": "mcp", "data": [{"jsonrpc": "2.0"}]}',
        "[" * 20000 + "]" * 20000,
        '{"type": "step", "data": {"blob": "' + "x" * (1 << 20) + '"}}',
    ]
    count = 6 if quick else 30
    for _ in range(count):
        if rng.random() < 0.4:
            frames.append(rng.randbytes(rng.randint(1, 64)))
        else:
            frames.append(_random_text(rng, 64))
    return frames


def _random_text(rng: random.Random, longest: int) -> str:
    return "".join(chr(rng.randint(1, 0x2FF)) for _ in range(rng.randint(1, longest)))


def _spread(rng: random.Random, bodies: list[bytes]) -> list[tuple[str, bytes, str]]:
    """Each body to /reset, /step and /mcp, with a content type chosen at random."""
    return [
        (path, body, rng.choice(["application/json", "text/plain", "application/octet-stream"]))
        for body in bodies
        for path in ("/reset", "/step", "/mcp")
    ]


def malformed_bodies(rng: random.Random, quick: bool) -> list[tuple[str, bytes, str]]:
    """(path, body, content type) triples of UTF-8 bodies that are not valid requests."""
    bodies = [
        b"",
        b"null",
        b"[]",
        b"[" * 20000 + b"]" * 20000,
        b'{"action": null}',
        b'{"seed": "x"}',
        b'{"jsonrpc": "2.0", "method": 5}',
    ]
    bodies += [_random_text(rng, 128).encode() for _ in range(3 if quick else 10)]
    return _spread(rng, bodies)


def undecodable_bodies(rng: random.Random, quick: bool) -> list[tuple[str, bytes, str]]:
    """(path, body, content type) triples of bodies that are not even UTF-8."""
    bodies = [b"\xff\xfe\xfd"]
    while len(bodies) < (4 if quick else 14):
        body = rng.randbytes(rng.randint(1, 128))
        try:
            body.decode()
        except UnicodeDecodeError:
            bodies.append(body)
    return _spread(rng, bodies)


async def _victim_view(probe: Probe, ws: WsConn) -> Any:
    if probe.mode == SIMULATION:
        return await ws.state()
    request = {"jsonrpc": "2.0", "id": 1, "method": "tools/list", "params": {}}
    return await ws.expect({"type": "mcp", "data": request}, "mcp")


async def _bystander(probe: Probe) -> WsConn:
    """The other session the burst must leave alone (reset and one step in simulation)."""
    action = None
    if probe.mode == SIMULATION:
        with contextlib.suppress(CheckSkipped):
            action = await probe.sample_action()  # before the bystander takes a slot
    ws, reply = await open_served(probe)
    if probe.mode == SIMULATION and action is not None and not is_capacity_error(reply):
        await ws.request({"type": "step", "data": action}, "ws step")
    if is_capacity_error(reply):
        await ws.close()
        raise CheckFailed("no session was served for the bystander", received=reply)
    return ws


async def _one_session_only(probe: Probe) -> bool:
    """True when a second concurrent session is refused (the bystander holds the slot)."""
    ws, reply = await open_served(probe, retry_s=0.0)
    await ws.close()
    return is_capacity_error(reply)


async def _http_bodies(probe: Probe, bodies: list[tuple[str, bytes, str]]) -> list[Any]:
    found: list[Any] = []
    for path, body, kind in bodies:
        try:
            response = await probe.post(path, raw=body, content_type=kind)
        except httpx.TransportError as exc:
            found.append((path, body, kind, None, f"connection dropped: {exc!r}"))
            continue
        found.append((path, body, kind, response.status_code, response.text[:300]))
    return found


async def _burst(probe: Probe) -> dict[str, Any]:
    """Run the burst once per probe (two checks judge it); returns what happened.

    With a bystander session open when the server serves more than one; a server that
    serves one session at a time gets the burst without one (and the report says so).
    """
    if "burst" in probe.facts:
        return probe.facts["burst"]
    rng = random.Random(BURST_SEED)
    frames = malformed_frames(rng, probe.options.quick)
    bodies = malformed_bodies(rng, probe.options.quick)
    burst: dict[str, Any] = {"frames": frames, "victim": None}
    victim: WsConn | None = await _bystander(probe)
    assert victim is not None  # narrowed for the type checker
    try:
        before = await _victim_view(probe, victim)
        if await _one_session_only(probe):
            await victim.close()
            victim = None
        burst["frame_outcomes"] = await send_frames(probe, frames, REPLY_WAIT_S)
        burst["http"] = await _http_bodies(probe, bodies)
        burst["health"] = (await probe.get("/health")).status_code
        if victim is not None:
            try:
                burst["victim"] = (before, await _victim_view(probe, victim))
            except CheckFailed as exc:
                burst["victim"] = (before, f"no answer: {exc.message}")
    finally:
        if victim is not None:
            await victim.close()
    probe.facts["burst"] = burst
    return burst


@conformance_check(
    "robustness.malformed_burst",
    Level.MUST,
    "malformed input leaves the server and others intact",
    sends="a seeded burst of malformed /ws frames (binary, random text, wrong types, "
    "20,000-deep nesting, a 1 MiB frame) and malformed UTF-8 bodies for POST /reset, /step, "
    "/mcp, while another session is open",
    expects="the frames reach a served session; afterwards /health is 200, the other "
    "session's state is unchanged and it still answers (when the server serves more than one "
    "session), and a new session is served",
    rule="wire §3.4 (errors are per session) and the project rule: a failing input never "
    "takes down the server or other sessions",
)
async def malformed_burst(probe: Probe) -> dict[str, Any]:
    burst = await _burst(probe)
    if burst["health"] != 200:
        raise CheckFailed(
            "/health is not 200 after the burst",
            sent="malformed input",
            received={"status": burst["health"]},
        )
    outcomes = burst["frame_outcomes"]
    if outcomes.count(REFUSED) == len(outcomes):
        raise CheckFailed(
            "no malformed frame reached a session: every new session was refused "
            "(CAPACITY_REACHED), so nothing was tested",
            sent="malformed frames",
            received=outcomes[:3],
        )
    if burst["victim"] is not None:
        before, after = burst["victim"]
        if after != before:
            raise CheckFailed(
                "the burst disturbed another session",
                sent="malformed frames and bodies",
                received={"before": before, "after": after},
            )
    ws, reply = await open_served(probe)
    await ws.close()
    kind = "observation" if probe.mode == SIMULATION else "mcp"
    if not isinstance(reply, dict) or reply.get("type") != kind:
        raise CheckFailed(
            "a new session is not served after the burst",
            sent=opening_frame(probe),
            received=reply,
        )
    return {
        "frames": len(outcomes),
        "answered": outcomes.count(ANSWERED),
        "refused": outcomes.count(REFUSED),
        "http_bodies": len(burst["http"]),
        "bystander": "checked"
        if burst["victim"] is not None
        else "not checked: the server serves one session at a time",
    }


@conformance_check(
    "robustness.structured_errors",
    Level.SHOULD,
    "malformed input gets structured errors",
    sends="the burst of robustness.malformed_burst",
    expects="every malformed HTTP body gets a 4xx (never 5xx); every malformed text frame "
    "gets a reply frame and leaves its session open (a binary frame may instead close the "
    "session with code 1000); each reply or close is charged to the frame that caused it",
    rule="wire §2.3 and §3.4 (INVALID_JSON / VALIDATION_ERROR keep the session; binary -> "
    "SESSION_ERROR) and the project rule: bad input gets a clear, structured error",
)
async def structured_errors(probe: Probe) -> dict[str, Any]:
    burst = await _burst(probe)
    for path, body, kind, status, text in burst["http"]:
        if status is None or status >= 500:
            raise CheckFailed(
                f"a malformed body to POST {path} got "
                + (f"HTTP {status}" if status else "no response (connection dropped)"),
                sent={"content_type": kind, "body": repr(body[:120])},
                received=text,
            )
    for frame, outcome in zip(burst["frames"], burst["frame_outcomes"], strict=True):
        if outcome != REFUSED and not judged_ok(frame, outcome):
            shown = repr(frame[:120]) if len(frame) > 120 else repr(frame)
            raise CheckFailed(
                f"a malformed frame was not answered with an error frame: "
                f"{behaviour(frame, outcome)}",
                sent=shown,
                received=outcome,
            )
    return {}


@conformance_check(
    "robustness.undecodable_bodies",
    Level.SHOULD,
    "bodies that are not UTF-8 get 4xx and leave the server healthy",
    sends="42 (quick: 12) POSTs to /reset, /step and /mcp whose bodies are random bytes that "
    "are not UTF-8, with mixed content types; then GET /health",
    expects="a 4xx response to each (POST /mcp: 200 with a JSON-RPC error) and /health 200 "
    "afterwards",
    rule="wire §2.3 (bad bodies are 4xx) and the project rule: bad input gets a structured "
    "error and never takes the server down. OpenEnv 0.10.0 answers some of these with HTTP "
    "500 (a UnicodeDecodeError escapes its handlers)",
)
async def undecodable(probe: Probe) -> dict[str, Any]:
    bodies = undecodable_bodies(random.Random(BURST_SEED + 1), probe.options.quick)
    for index, (path, body, kind) in enumerate(bodies):
        sent = {"path": path, "content_type": kind, "body": repr(body[:120])}
        try:
            response = await probe.post(path, raw=body, content_type=kind)
        except httpx.TransportError as exc:
            raise CheckFailed(
                f"request {index + 1} of {len(bodies)} got no response ({type(exc).__name__})",
                sent=sent,
            ) from None
        if response.status_code >= 500:
            raise CheckFailed(
                f"request {index + 1} of {len(bodies)} got HTTP {response.status_code}",
                sent=sent,
                received=response.text[:300],
            )
    expect.status(await probe.get("/health"), {200}, "GET /health after the bodies")
    return {"bodies": len(bodies)}
