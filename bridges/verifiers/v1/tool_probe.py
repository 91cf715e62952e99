"""Tools before any reset: MCP clients list tools first, so a v1 taskset whose tasks
bring tool servers (``Task.toolsets``) is probed once at start-up: one episode of the
first task is started until its first model call, whose tool definitions are kept, and
cancelled. Sessions list those tools until their own episode shows its own."""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from typing import Any

from envbridge.bridges.verifiers.loop import rollout_loop
from envbridge.bridges.verifiers.turn_environment import TurnEnvironment

PROBE_TIMEOUT_S = 120.0


def has_toolsets(task: Any) -> bool:
    """True when the v1 task launches tool servers per rollout."""
    return bool(type(task).toolsets(task.config))


def probe_tools(make_env: Callable[[], TurnEnvironment]) -> list[dict[str, Any]]:
    """The OpenAI tool definitions the first task's model is offered on its first turn."""
    env = make_env()

    async def first_turn_tools() -> list[dict[str, Any]]:
        try:
            observation = await env._reset(None, {"task_index": 0})
            return list(observation.observation["tools"])
        finally:
            await env._stop()

    future = asyncio.run_coroutine_threadsafe(first_turn_tools(), rollout_loop())
    try:
        return future.result(PROBE_TIMEOUT_S)
    except Exception as exc:
        raise ValueError(
            f"could not list the tools of the first task (started one episode to see them): "
            f"{type(exc).__name__}: {exc}"
        ) from exc
