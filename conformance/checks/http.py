"""HTTP area: health, metadata, schema, OpenAPI, the MCP endpoint, stateless reset/step."""

from __future__ import annotations

from typing import Any

from envbridge.conformance import expect
from envbridge.conformance.model import CheckFailed, Level
from envbridge.conformance.probe import SIMULATION, Probe, json_object
from envbridge.conformance.registry import conformance_check

SIMULATION_ROUTES = ("/reset", "/step", "/state")


@conformance_check(
    "http.health",
    Level.MUST,
    "GET /health reports healthy",
    sends="GET /health",
    expects='200 with JSON {"status": "healthy"}',
    rule="wire §2.1 (providers and AutoEnv poll /health; only 200 counts, §7.4)",
    quick=True,
)
async def health(probe: Probe) -> dict[str, Any]:
    response = await probe.get("/health")
    if response.status_code == 503:  # envbridge: a shared worker is dead or wedged
        raise CheckFailed(
            "the server says it is unhealthy (503); its reasons are in the reply",
            sent="GET /health",
            received=response.text[:500],
        )
    expect.status(response, {200}, "GET /health")
    body = json_object(response, "GET /health", "GET /health")
    if body.get("status") != "healthy":
        raise CheckFailed(
            '/health must say {"status": "healthy"}', sent="GET /health", received=body
        )
    return {}


@conformance_check(
    "http.metadata",
    Level.MUST,
    "GET /metadata names the environment",
    sends="GET /metadata",
    expects="200 with a JSON object holding string 'name' and 'description'",
    rule="wire §2.1 EnvironmentMetadata; `openenv validate` metadata_endpoint (§8.1)",
    quick=True,
)
async def metadata(probe: Probe) -> dict[str, Any]:
    body = await probe.metadata()
    for key in ("name", "description"):
        if not isinstance(body.get(key), str):
            raise CheckFailed(
                f"/metadata must carry a string {key!r}", sent="GET /metadata", received=body
            )
    return {"name": body["name"]}


@conformance_check(
    "http.schema",
    Level.MUST,
    "GET /schema gives valid JSON Schemas",
    sends="GET /schema",
    expects="200 with objects 'action', 'observation', 'state' (and 'reset_observation' when "
    "present), each a valid JSON Schema",
    rule="wire §6.4; `openenv validate` schema_endpoint (§8.1)",
    quick=True,
)
async def schema(probe: Probe) -> dict[str, Any]:
    body = await probe.schema()
    keys = ["action", "observation", "state"]
    keys += ["reset_observation"] if "reset_observation" in body else []
    for key in keys:
        if key not in body:
            raise CheckFailed(f"/schema has no {key!r}", sent="GET /schema", received=body)
        expect.valid_schema(body[key], f"/schema {key}")
    return {"schemas": keys}


@conformance_check(
    "http.openapi",
    Level.MUST,
    "GET /openapi.json matches the routes served",
    sends="GET /openapi.json",
    expects="200 with string 'openapi' and 'info.version', a 'paths' object listing /reset, "
    "/step and /state exactly when the server serves them",
    rule="wire §8.1 openapi_version_available and mode_endpoint_consistency",
    quick=True,
)
async def openapi(probe: Probe) -> dict[str, Any]:
    body = await probe.openapi()
    info = body.get("info")
    if (
        not isinstance(body.get("openapi"), str)
        or not isinstance(info, dict)
        or not isinstance(info.get("version"), str)
    ):
        raise CheckFailed(
            "/openapi.json needs string 'openapi' and 'info.version'",
            sent="GET /openapi.json",
            received=body,
        )
    paths = body.get("paths")
    if not isinstance(paths, dict):
        raise CheckFailed(
            "/openapi.json has no 'paths' object", sent="GET /openapi.json", received=body
        )
    listed = {route for route in SIMULATION_ROUTES if route in paths}
    served = set(SIMULATION_ROUTES) if probe.mode == SIMULATION else set()
    if listed != served:
        raise CheckFailed(
            f"/openapi.json lists {sorted(listed) or 'none'} of /reset, /step, /state but the "
            f"server runs in {probe.mode} mode (which serves {sorted(served) or 'none'})",
            sent="GET /openapi.json",
            received=sorted(paths),
        )
    return {"version": info["version"]}


@conformance_check(
    "http.mcp_endpoint",
    Level.MUST,
    "POST /mcp answers JSON-RPC",
    sends="POST /mcp {}",
    expects='HTTP 200 with a JSON-RPC 2.0 error response (jsonrpc "2.0", id null)',
    rule="wire §4.1 (POST /mcp always answers 200); `openenv validate` mcp_endpoint",
    quick=True,
)
async def mcp_endpoint(probe: Probe) -> dict[str, Any]:
    response = await probe.post("/mcp", {})
    expect.status(response, {200}, "POST /mcp {}")
    body = json_object(response, {}, "POST /mcp")
    expect.jsonrpc(body, None, {})
    expect.rpc_error(body, {-32600, -32601, -32602}, {})
    return {}


@conformance_check(
    "http.reset_step",
    Level.MUST,
    "POST /reset and /step return observation envelopes",
    sends='POST /reset {} then POST /step {"action": <sample action>}',
    expects="200 each, with 'observation' object, 'reward' number or null, 'done' boolean",
    rule="wire §2.1-2.2 (stateless HTTP simulation API)",
    quick=True,
)
async def reset_step(probe: Probe) -> dict[str, Any]:
    probe.require_simulation()
    response = await probe.post("/reset", {})
    expect.status(response, {200}, "POST /reset {}")
    expect.envelope(json_object(response, {}, "POST /reset"), "POST /reset {}")
    sent = {"action": await probe.sample_action()}
    response = await probe.post("/step", sent)
    expect.status(response, {200}, sent)
    body = expect.envelope(json_object(response, sent, "POST /step"), sent)
    if body["reward"] is not None and not isinstance(body["reward"], float):
        raise CheckFailed("HTTP rewards are floats (or null)", sent=sent, received=body)
    return {}
