"""Dialect: the observation envelope matches the OpenEnv version the server speaks."""

from __future__ import annotations

from typing import Any

from envbridge.conformance.model import CheckFailed, Level
from envbridge.conformance.probe import DIALECT_010, Probe, json_object
from envbridge.conformance.registry import conformance_check


@conformance_check(
    "dialect.metadata",
    Level.SHOULD,
    "observation metadata follows the detected dialect",
    sends="reset on /ws and POST /reset {}",
    expects="openenv 0.10.x: data.observation.metadata is an object and the HTTP body has a "
    "'metadata' key; openenv-core 0.3.x: no 'metadata' key in the observation",
    rule="wire §10.2.1 and §6.3 (0.3.x drops metadata; 0.10.x sends it)",
)
async def metadata(probe: Probe) -> dict[str, Any]:
    probe.require_simulation()
    async with probe.ws() as ws:
        envelope = await ws.reset()
    observation = envelope.get("observation") if isinstance(envelope, dict) else None
    if not isinstance(observation, dict):
        raise CheckFailed("reset returned no observation object", sent="reset", received=envelope)
    if probe.dialect == DIALECT_010:
        if not isinstance(observation.get("metadata"), dict):
            raise CheckFailed(
                "0.10.x observations carry a 'metadata' object", sent="reset", received=envelope
            )
        body = json_object(await probe.post("/reset", {}), {}, "POST /reset")
        if "metadata" not in body:
            raise CheckFailed(
                "0.10.x HTTP reset responses carry 'metadata' (null when empty)",
                sent="POST /reset {}",
                received=body,
            )
    elif "metadata" in observation:
        raise CheckFailed(
            "0.3.x observations carry no 'metadata' (it is dropped)",
            sent="reset",
            received=envelope,
        )
    return {"dialect": probe.dialect}
