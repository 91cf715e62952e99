"""Latency: p50 / p99 per operation (informational; never pass or fail)."""

from __future__ import annotations

from typing import Any

from envbridge.conformance.model import Level
from envbridge.conformance.probe import SIMULATION, Probe
from envbridge.conformance.registry import conformance_check

SAMPLES = 100
QUICK_SAMPLES = 20


@conformance_check(
    "latency.operations",
    Level.INFO,
    "p50 / p99 latency per operation",
    sends="100 (quick: 20) step and state frames on one /ws session (tools/list on WS /mcp in "
    "production) and as many GET /health; plus every timed request of the other checks",
    expects="nothing: the numbers are recorded in the report",
    rule="informational (issue 3: latency is recorded, never judged)",
    quick=True,
)
async def operations(probe: Probe) -> dict[str, Any]:
    samples = probe.options.latency_samples or (QUICK_SAMPLES if probe.options.quick else SAMPLES)
    if probe.mode == SIMULATION:
        action = await probe.sample_action()
        async with probe.ws() as ws:
            await ws.reset()
            for _ in range(samples):
                if (await ws.step(action))["done"]:
                    await ws.reset()
                await ws.state()
    else:
        request = {"jsonrpc": "2.0", "id": 1, "method": "tools/list", "params": {}}
        async with probe.ws("/mcp") as ws:
            for _ in range(samples):
                await ws.request(request, "ws /mcp tools/list")
    for _ in range(samples):
        await probe.get("/health")
    return {"latency": probe.latency.summary()}
