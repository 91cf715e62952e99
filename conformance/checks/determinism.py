"""Determinism: same seed, same start; same actions, same trajectory."""

from __future__ import annotations

import contextlib
from typing import Any

from envbridge.conformance.checks.observations import actions_to_try
from envbridge.conformance.differences import NONDETERMINISTIC_HINT, first_difference
from envbridge.conformance.model import CheckFailed, CheckSkipped, Level
from envbridge.conformance.probe import Probe
from envbridge.conformance.registry import conformance_check
from envbridge.conformance.sessions import served_session

SEED = 7


async def _require_deterministic(probe: Probe) -> None:
    probe.require_simulation()
    if not await probe.deterministic():
        raise CheckSkipped(
            "the server declares itself nondeterministic (/metadata "
            "deterministic: false, or --nondeterministic)"
        )


def _comparable(envelope: Any) -> Any:
    """An envelope without metadata (which may carry ids or timings)."""
    if not isinstance(envelope, dict):
        return envelope
    observation = {k: v for k, v in (envelope.get("observation") or {}).items() if k != "metadata"}
    return {
        "observation": observation,
        "reward": envelope.get("reward"),
        "done": envelope.get("done"),
    }


def _comparable_reply(reply: Any) -> Any:
    """A step reply as compared: the envelope, or an error frame's code only."""
    if isinstance(reply, dict) and reply.get("type") == "observation":
        return _comparable(reply.get("data"))
    if isinstance(reply, dict) and reply.get("type") == "error":
        return {"error": (reply.get("data") or {}).get("code")}
    return reply


async def _trajectory(probe: Probe, actions: list[Any]) -> list[Any]:
    async with served_session(probe, seed=SEED) as (ws, start):
        steps = [_comparable(start)]
        for action in actions:
            reply = await ws.request({"type": "step", "data": action}, "ws step")
            steps.append(_comparable_reply(reply))
            if (reply.get("data") or {}).get("done") is True and reply.get("type") == "observation":
                break
    return steps


@conformance_check(
    "determinism.reset_seed",
    Level.SHOULD,
    "the same seed gives the same first observation",
    sends=f'reset {{"seed": {SEED}}} on two fresh /ws sessions',
    expects="equal observations, rewards and done flags (metadata ignored)",
    rule="Gymnasium seeding semantics; wire §2.2 ResetRequest.seed",
)
async def reset_seed(probe: Probe) -> dict[str, Any]:
    await _require_deterministic(probe)
    first, second = await _trajectory(probe, []), await _trajectory(probe, [])
    if first != second:
        raise CheckFailed(
            f"two resets with the same seed differ at {first_difference(first[0], second[0])}; "
            + NONDETERMINISTIC_HINT,
            sent={"type": "reset", "data": {"seed": SEED}},
            received={"first": first[0], "second": second[0]},
        )
    return {}


@conformance_check(
    "determinism.trajectory",
    Level.SHOULD,
    "the same actions give the same trajectory",
    sends=f'reset {{"seed": {SEED}}} then the same generated actions, on two fresh sessions',
    expects="equal step observations, rewards and done flags, step by step (the first "
    "observation is determinism.reset_seed's business)",
    rule="Gymnasium seeding semantics (a seeded episode is reproducible)",
)
async def trajectory(probe: Probe) -> dict[str, Any]:
    await _require_deterministic(probe)
    actions = await actions_to_try(probe)
    first = (await _trajectory(probe, actions))[1:]  # the start is reset_seed's business
    second = (await _trajectory(probe, actions))[1:]
    for index, (left, right) in enumerate(zip(first, second, strict=False)):
        if left != right:
            raise CheckFailed(
                f"the trajectories diverge at step {index + 1}, at "
                f"{first_difference(left, right)}; {NONDETERMINISTIC_HINT}",
                sent=actions[: index + 1],
                received={"first": left, "second": right},
            )
    if len(first) != len(second):
        raise CheckFailed(
            "the trajectories have different lengths",
            sent=actions,
            received={"first": len(first), "second": len(second)},
        )
    return {"steps": len(first)}


@conformance_check(
    "determinism.reset_seed_session",
    Level.SHOULD,
    "the same seed gives the same first observation within one session",
    sends=f'on one /ws connection: reset {{"seed": {SEED}}}, a step (when an action is '
    f'accepted), reset {{"seed": {SEED}}} '
    "again",
    expects="both resets give equal observations, rewards and done flags (metadata ignored)",
    rule="Gymnasium seeding semantics: reset(seed) reseeds the episode, whatever came before "
    "on the connection (wire §2.2 ResetRequest.seed)",
)
async def reset_seed_session(probe: Probe) -> dict[str, Any]:
    await _require_deterministic(probe)
    actions: list[Any] = []
    with contextlib.suppress(CheckSkipped):  # the step between is optional
        actions = await actions_to_try(probe)
    async with served_session(probe, seed=SEED) as (ws, first):
        if actions:
            await ws.request({"type": "step", "data": actions[0]}, "ws step")
        second = await ws.reset(seed=SEED)
    if _comparable(first) != _comparable(second):
        where = first_difference(_comparable(first), _comparable(second))
        raise CheckFailed(
            "a second reset with the same seed on the same session differs from the first "
            f"at {where} (reset(seed) must reseed, whatever came before on the connection); "
            + NONDETERMINISTIC_HINT,
            sent=[{"type": "reset", "data": {"seed": SEED}}, "step", "reset (same seed)"],
            received={"first": _comparable(first), "second": _comparable(second)},
        )
    return {}
