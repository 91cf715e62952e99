"""Environments that let the pool tests observe the server side."""

from __future__ import annotations

import asyncio
from typing import Any, ClassVar

from envbridge.spec import Environment, Observation


class InFlight(Environment):
    """Each step sleeps a little and records how many steps ran at once (class-wide)."""

    now: ClassVar[int] = 0
    peak: ClassVar[int] = 0

    async def reset(self, *, seed=None, episode_id=None, options=None) -> Observation:
        return Observation({})

    async def step(self, action: dict[str, Any]) -> Observation:
        InFlight.now += 1
        InFlight.peak = max(InFlight.peak, InFlight.now)
        await asyncio.sleep(0.03)
        InFlight.now -= 1
        return Observation({}, reward=1)

    @classmethod
    def clear(cls) -> None:
        cls.now = cls.peak = 0
