"""Environments that misbehave on purpose, one behaviour per reset option ``chaos``.

``reset(options={"chaos": CASE})`` arms a case; a plain reset is a healthy episode (the
bystander plays those). Three flavours of the same env: sync methods run in a thread
(the default), async methods on the server's own loop, and sync methods run inline on
the server's loop (``blocking = False``). ``ChaosGym`` is the same for the Gymnasium
bridge. Leaked threads are named ``chaos-leak`` so tests count only their own.
"""

from __future__ import annotations

import asyncio
import shutil
import subprocess
import tempfile
import threading
from typing import Any

import gymnasium as gym
import numpy as np
from envbridge.spec import Environment, Observation, cleanup
from envbridge.spec.environment import Tool

CASES = (
    "exit_in_reset",
    "exit_in_step",
    "interrupt_in_step",
    "exit_in_tool",
    "hang_in_step",
    "leak_thread",
    "nan",
    "object",
)
"""Every chaos case; each test module says which its bridge can host."""

LEAK_THREAD_NAME = "chaos-leak"


def leak_a_thread() -> None:
    """Start a non-daemon thread that never ends (the env 'forgets' it)."""
    threading.Thread(target=threading.Event().wait, name=LEAK_THREAD_NAME).start()


def _exit(where: str) -> None:
    raise SystemExit(f"not authenticated in {where}: set $CHAOS_API_KEY")


_TOOLS = [
    Tool("explode", "raises SystemExit", {"type": "object", "properties": {}}),
    Tool("count", "the step count", {"type": "object", "properties": {}}),
]


RESOURCE_PREFIX = "envbridge-chaos-"
"""Temp folders of :class:`ThreadedChaos` sessions asked for ``resources``."""


class ThreadedChaos(Environment):
    """Sync methods: the server runs them in the session's thread.

    ``reset(options={"resources": True})`` also makes a temp folder and a subprocess
    (as harbor sandboxes do), registered with :mod:`envbridge.spec.cleanup` and removed
    by ``close()``; the observation names them so tests can count leftovers.
    """

    def reset(self, *, seed=None, episode_id=None, options=None) -> Observation:
        self.chaos = (options or {}).get("chaos")
        self.n = 0
        if self.chaos == "exit_in_reset":
            _exit("reset")
        if (options or {}).get("resources"):
            return Observation(self._make_resources())
        return Observation({"n": 0})

    def _make_resources(self) -> dict[str, Any]:
        self.folder = tempfile.mkdtemp(prefix=RESOURCE_PREFIX)
        self.process = subprocess.Popen(["sleep", "1000"], start_new_session=True)
        self.registered = [cleanup.remove_dir(self.folder), cleanup.kill_process(self.process)]
        return {"n": 0, "folder": self.folder, "pid": self.process.pid}

    def close(self) -> None:
        if hasattr(self, "process"):
            self.process.kill()
            self.process.wait()
            shutil.rmtree(self.folder, ignore_errors=True)
            for registration in self.registered:
                registration.done()

    def step(self, action: dict[str, Any]) -> Observation:
        self.n += 1
        chaos = getattr(self, "chaos", None)
        if chaos == "exit_in_step":
            _exit("step")
        if chaos == "interrupt_in_step":
            raise KeyboardInterrupt("interrupted in step")
        if chaos == "hang_in_step":
            threading.Event().wait()  # forever
        if chaos == "leak_thread":
            leak_a_thread()
        if chaos == "nan":
            return Observation({"n": float("nan")})
        if chaos == "object":
            return Observation({"n": object()})
        return Observation({"n": self.n}, reward=1.0)

    def tools(self) -> list[Tool]:
        return _TOOLS

    def call_tool(self, name: str, arguments: dict[str, Any]) -> Any:
        if name == "explode":
            _exit("a tool")
        return getattr(self, "n", 0)


class InlineChaos(ThreadedChaos):
    """The same sync methods, run inline on the server's event loop (no hang case: a
    synchronous hang there blocks the whole server, which no server can contain)."""

    blocking = False


class AsyncChaos(Environment):
    """Async methods, awaited on the server's own event loop."""

    def __init__(self) -> None:
        self.sync = ThreadedChaos()

    async def reset(self, *, seed=None, episode_id=None, options=None) -> Observation:
        return self.sync.reset(options=options)

    async def step(self, action: dict[str, Any]) -> Observation:
        if getattr(self.sync, "chaos", None) == "hang_in_step":
            await asyncio.Event().wait()  # forever, politely
        return self.sync.step(action)

    def tools(self) -> list[Tool]:
        return _TOOLS

    async def call_tool(self, name: str, arguments: dict[str, Any]) -> Any:
        return self.sync.call_tool(name, arguments)


class ChaosGym(gym.Env):
    """A Gymnasium env with the same cases (no tools in the Gymnasium bridge)."""

    observation_space = gym.spaces.Box(-np.inf, np.inf, shape=(1,), dtype=np.float64)
    action_space = gym.spaces.Discrete(2)

    def reset(self, *, seed=None, options=None):
        super().reset(seed=seed)
        self.chaos = (options or {}).get("chaos")
        self.n = 0
        if self.chaos == "exit_in_reset":
            _exit("reset")
        return np.zeros(1), {}

    def step(self, action):
        self.n += 1
        if self.chaos == "exit_in_step":
            _exit("step")
        if self.chaos == "interrupt_in_step":
            raise KeyboardInterrupt("interrupted in step")
        if self.chaos == "hang_in_step":
            threading.Event().wait()
        if self.chaos == "leak_thread":
            leak_a_thread()
        if self.chaos == "nan":
            return np.array([np.nan]), float("nan"), False, False, {"why": float("nan")}
        if self.chaos == "object":
            return np.zeros(1), 0.0, False, False, {"handle": object()}
        return np.array([float(self.n)]), 1.0, False, False, {}


def chaos_gym() -> ChaosGym:
    return ChaosGym()
