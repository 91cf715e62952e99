"""In-process floors: a step with no socket, timed per call (``perf_counter_ns``).

``*-env``: the environment's own ``step`` with a pre-parsed action (the absolute floor).
``inproc-gym-env``: a bridged Gymnasium env's own ``step`` with no envbridge at all, so
the bridge overhead is the ``inproc-envbridge-core`` frame minus this.
``*-core``: one ``/ws`` frame through the stack's protocol layer without a socket:
text in, text out (envbridge: ``handle_frame``; OpenEnv: the same public models and
functions its ``/ws`` handler calls, in the same order).
"""

from __future__ import annotations

import inspect
import json
import time
from collections.abc import Awaitable, Callable
from typing import Any

from benchmarks.workloads import Workload

Stepper = Callable[[int], Awaitable[bool]]
"""``await stepper(i)`` performs step i and returns True when the episode ended."""


async def _maybe_await(value: Any) -> Any:
    return await value if inspect.isawaitable(value) else value


async def _envbridge_env(workload: Workload) -> tuple[Stepper, Callable[[], Awaitable[Any]]]:
    from envbridge.targets import resolve_target

    env = resolve_target(workload.envbridge_target)()
    await _maybe_await(env.reset())
    actions = [env.parse_action(workload.action(i)) for i in range(64)]

    async def step(i: int) -> bool:
        obs = await _maybe_await(env.step(actions[i % 64]))
        return bool(obs.done)

    async def reset() -> None:
        await _maybe_await(env.reset())

    return step, reset


async def _envbridge_core(workload: Workload) -> tuple[Stepper, Callable[[], Awaitable[Any]]]:
    from envbridge.spec import wire
    from envbridge.spec.frames import handle_frame
    from envbridge.spec.modes import Mode
    from envbridge.spec.session import Session

    from envbridge.targets import resolve_target

    session = Session(resolve_target(workload.envbridge_target)(), Mode.SIMULATION)
    await session.reset({})
    frames = [wire.encode({"type": "step", "data": workload.action(i)}) for i in range(64)]

    async def no_mcp(_session: Any, _request: Any) -> Any:
        raise RuntimeError("no MCP in this benchmark")

    async def step(i: int) -> bool:
        reply = await handle_frame(session, frames[i % 64], no_mcp)
        return '"done":true' in (reply.text or "")

    async def reset() -> None:
        await session.reset({})

    return step, reset


async def _gym_env(workload: Workload) -> tuple[Stepper, Callable[[], Awaitable[Any]]]:
    import gymnasium as gym

    prefix, _, env_id = workload.envbridge_target.partition(":")
    if prefix != "gym":
        raise ValueError(f"inproc-gym-env needs a gym: workload, not {workload.name!r}")
    env = gym.make(env_id)
    env.reset(seed=0)
    actions = [workload.action(i)["action"] for i in range(64)]

    async def step(i: int) -> bool:
        _, _, terminated, truncated, _ = env.step(actions[i % 64])
        return bool(terminated or truncated)

    async def reset() -> None:
        env.reset()

    return step, reset


def _openenv_counter() -> tuple[Any, Any, Any]:
    from envs.openenv_native.counter_envs import CounterAction
    from envs.openenv_native.counter_envs import CounterEnv as OpenEnvCounter

    env = OpenEnvCounter()
    env.reset()
    return env, CounterAction, OpenEnvCounter


async def _openenv_env(workload: Workload) -> tuple[Stepper, Callable[[], Awaitable[Any]]]:
    env, action_cls, _ = _openenv_counter()
    actions = [action_cls(**workload.action(i)) for i in range(64)]

    async def step(i: int) -> bool:
        return bool(env.step(actions[i % 64]).done)

    async def reset() -> None:
        env.reset()

    return step, reset


async def _openenv_core(workload: Workload) -> tuple[Stepper, Callable[[], Awaitable[Any]]]:
    from openenv.core.env_server.serialization import deserialize_action, serialize_observation
    from openenv.core.env_server.types import WSObservationResponse, WSStepMessage

    env, action_cls, _ = _openenv_counter()
    frames = [json.dumps({"type": "step", "data": workload.action(i)}) for i in range(64)]

    async def step(i: int) -> bool:
        message = WSStepMessage(**json.loads(frames[i % 64]))
        observation = env.step(deserialize_action(message.data, action_cls))
        reply = WSObservationResponse(data=serialize_observation(observation))
        return '"done":true' in reply.model_dump_json()

    async def reset() -> None:
        env.reset()

    return step, reset


async def _warm_up(step: Stepper, reset: Callable[[], Awaitable[Any]], warmup: int) -> None:
    """Untimed steps, resetting whenever an episode ends."""
    for i in range(warmup):
        if await step(i):
            await reset()


async def measure_overhead(workload: Workload, warmup: int, steps: int) -> dict[str, Any]:
    """Bridge overhead with the machine's speed held equal: each timed ``/ws`` frame is
    followed by one timed step of a twin Gymnasium env with no envbridge.

    On a shared machine the speed drifts by tens of percent over seconds; timing the
    frame and the bare env in separate windows mixes that drift into their difference.
    Returns the frame latencies, the env latencies and their per-step differences.
    """
    frame_step, frame_reset = await _envbridge_core(workload)
    env_step, env_reset = await _gym_env(workload)
    await _warm_up(frame_step, frame_reset, warmup)
    await _warm_up(env_step, env_reset, warmup)
    frames: list[int] = []
    envs: list[int] = []
    clock = time.perf_counter_ns
    started = clock()
    for i in range(steps):
        t0 = clock()
        frame_done = await frame_step(i)
        t1 = clock()
        env_done = await env_step(i)
        t2 = clock()
        frames.append(t1 - t0)
        envs.append(t2 - t1)
        if frame_done:
            await frame_reset()
        if env_done:
            await env_reset()
    return {"latencies": frames, "env_latencies": envs, "elapsed_s": (clock() - started) / 1e9}


OVERHEAD_KIND = "inproc-bridge-overhead"
"""The :func:`measure_overhead` measurement (``gym:`` workloads only)."""

FLOORS = {
    "inproc-envbridge-env": _envbridge_env,
    "inproc-envbridge-core": _envbridge_core,
    "inproc-openenv-env": _openenv_env,
    "inproc-openenv-core": _openenv_core,
    "inproc-gym-env": _gym_env,
}
"""In-process kinds; the ``openenv`` ones exist for the counter only (its OpenEnv twin),
``inproc-gym-env`` for ``gym:`` workloads only."""


async def measure(kind: str, workload: Workload, warmup: int, steps: int) -> dict[str, Any]:
    """Time ``steps`` in-process steps after ``warmup``; returns raw latencies and elapsed."""
    step, reset = await FLOORS[kind](workload)
    await _warm_up(step, reset, warmup)
    latencies: list[int] = []
    clock = time.perf_counter_ns
    started = clock()
    for i in range(steps):
        t0 = clock()
        done = await step(i)
        latencies.append(clock() - t0)
        if done:
            await reset()
    return {"latencies": latencies, "elapsed_s": (clock() - started) / 1e9}
