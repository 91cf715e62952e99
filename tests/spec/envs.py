"""Small environments used by the spec tests to provoke each behaviour."""

from __future__ import annotations

import asyncio
import threading
from typing import Any, ClassVar

from envbridge.spec import Environment, Observation, ToolResult


class Exploding(Environment):
    """Raises on step when the action says so; otherwise a trivial counter."""

    blocking = False

    def reset(self, *, seed=None, episode_id=None, options=None) -> Observation:
        return Observation({"ok": True})

    def step(self, action: dict[str, Any]) -> Observation:
        if action.get("explode"):
            raise RuntimeError("boom")
        if action.get("nan_reward"):
            return Observation({"ok": True}, reward=float("inf"))
        if action.get("nan"):
            return Observation({"x": float("nan")}, reward=float("nan"))
        return Observation({"ok": True}, reward=1.0)


class FailingFactory:
    """A factory that always raises."""

    def __call__(self) -> Environment:
        raise OSError("cannot allocate sandbox")


class Tracked(Environment):
    """Counts live instances (to prove sessions close their envs)."""

    live: ClassVar[set[int]] = set()
    lock = threading.Lock()

    def __init__(self) -> None:
        with self.lock:
            Tracked.live.add(id(self))

    def reset(self, *, seed=None, episode_id=None, options=None) -> Observation:
        return Observation({"seed": seed, "options": options or {}})

    def step(self, action: dict[str, Any]) -> Observation:
        return Observation({"echo": action}, reward=0, done=bool(action.get("finish")))

    def close(self) -> None:
        with self.lock:
            Tracked.live.discard(id(self))


class SlowAsync(Environment):
    """Async methods that sleep, to show one slow session does not block another."""

    async def reset(self, *, seed=None, episode_id=None, options=None) -> Observation:
        return Observation({})

    async def step(self, action: dict[str, Any]) -> Observation:
        await asyncio.sleep(float(action.get("sleep", 0)))
        return Observation({"slept": action.get("sleep", 0)})


class SlowSync(Environment):
    """A blocking synchronous step: must run off the event loop."""

    def reset(self, *, seed=None, episode_id=None, options=None) -> Observation:
        return Observation({"thread": threading.current_thread().name})

    def step(self, action: dict[str, Any]) -> Observation:
        import time

        time.sleep(float(action.get("sleep", 0)))
        return Observation({"thread": threading.current_thread().name})


class Submitting(Environment):
    """A tool that ends the episode with a reward (as harbor's submit does)."""

    blocking = False

    def reset(self, *, seed=None, episode_id=None, options=None) -> Observation:
        return Observation({})

    def step(self, action: dict[str, Any]) -> Observation:
        return Observation({})

    def tools(self):
        from envbridge.spec import Tool

        return [Tool("submit", "finish", {"type": "object", "properties": {}})]

    def call_tool(self, name: str, arguments: dict[str, Any]) -> ToolResult:
        return ToolResult({"score": 0.5}, reward=0.5, done=True)
