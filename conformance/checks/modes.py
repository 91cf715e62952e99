"""Modes: production hides reset/step/state on every transport; sim/prod tools agree."""

from __future__ import annotations

from typing import Any

from envbridge.conformance import expect
from envbridge.conformance.model import CheckFailed, CheckSkipped, Level
from envbridge.conformance.probe import Probe
from envbridge.conformance.registry import conformance_check
from envbridge.conformance.tools import call_over_ws_mcp, generated_calls, payload

PARITY_CALLS_PER_TOOL = 4


@conformance_check(
    "modes.production_http",
    Level.MUST,
    "production removes HTTP /reset, /step, /state",
    sends='POST /reset {}, POST /step {"action": {}}, GET /state (production servers only)',
    expects="404 or 405 for each",
    rule="wire §5 (production mode removes the HTTP simulation routes)",
    quick=True,
)
async def production_http(probe: Probe) -> dict[str, Any]:
    probe.require_production()
    for method, path in (("POST", "/reset"), ("POST", "/step"), ("GET", "/state")):
        if method == "POST":
            response = await probe.post(path, {} if path == "/reset" else {"action": {}})
        else:
            response = await probe.get(path)
        expect.status(response, {404, 405}, f"{method} {path}")
    return {}


@conformance_check(
    "modes.production_ws",
    Level.SHOULD,
    "production refuses reset/step/state over /ws",
    sends="reset, step and state frames on /ws of a production server",
    expects="an error frame for each (envbridge: MODE_RESTRICTED)",
    rule="wire §5 and RFC 002/003: production exposes tools only. OpenEnv itself still accepts "
    "them over /ws (§14.2), so OpenEnv production servers fail this SHOULD",
)
async def production_ws(probe: Probe) -> dict[str, Any]:
    probe.require_production()
    accepted = []
    async with probe.ws() as ws:
        for frame in (
            {"type": "reset", "data": {}},
            {"type": "step", "data": {}},
            {"type": "state"},
        ):
            reply = await ws.request(frame)
            if not isinstance(reply, dict) or reply.get("type") != "error":
                accepted.append({"sent": frame, "received": reply})
    if accepted:
        raise CheckFailed(
            "production mode must not run reset/step/state over /ws",
            sent=[a["sent"] for a in accepted],
            received=[a["received"] for a in accepted],
        )
    return {}


@conformance_check(
    "modes.parity",
    Level.SHOULD,
    "tool results agree between simulation and production",
    sends="the same generated tools/call sequence on a WS /mcp session of this server and of "
    "--production-url",
    expects="equal tool payloads (data / structured content / text) call by call",
    rule="wire §5 (one environment, one MCP surface in both modes)",
)
async def parity(probe: Probe) -> dict[str, Any]:
    other = probe.options.production_url
    if not other:
        raise CheckSkipped("needs the production twin of this server (--production-url)")
    if not await probe.deterministic():
        raise CheckSkipped("the server declares itself nondeterministic")
    calls = generated_calls(await probe.tools(), PARITY_CALLS_PER_TOOL)
    here = await call_over_ws_mcp(probe, calls)
    there = await call_over_ws_mcp(probe, calls, other)
    for (request, mine), (_, theirs) in zip(here, there, strict=True):
        left, right = _outcome(mine), _outcome(theirs)
        if left != right:
            raise CheckFailed(
                "simulation and production disagree on a tool call",
                sent=request["params"],
                received={"simulation": mine, "production": theirs},
            )
    return {"calls": len(calls)}


def _outcome(reply: Any) -> Any:
    if not isinstance(reply, dict):
        return reply
    if "error" in reply:
        return ("error", (reply["error"] or {}).get("code"))
    return ("result", payload(reply.get("result")))
