"""One verifiers rollout, driven turn by turn from outside (runs on the rollout loop).

The rollout (classic ``env.run_rollout`` or a v1 agent run) is a task whose model
client parks each call on ``calls``; verifiers' own loop decides everything else. Every
wait is "the next model call OR the end of the rollout, whichever comes first", and an
action arriving after the rollout already ended (a timeout while the trainer was
thinking) is not delivered.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable
from typing import Any

from envbridge.bridges.verifiers.turns import ModelCall
from envbridge.spec.containment import contained, describe


class RolloutFailed(RuntimeError):
    """The environment's code raised; the rollout is over and cannot be scored."""


class Episode:
    """A running rollout: the parked model call (if any) and, at the end, its output."""

    def __init__(self, rollout: Awaitable[Any], calls: asyncio.Queue[ModelCall], client: Any):
        self.client = client
        """The rollout's model client (the outcome may read what it saw)."""
        self.pending: ModelCall | None = None
        self.turns = 0
        self._calls = calls
        self._task = asyncio.ensure_future(_contained(rollout))

    @property
    def finished(self) -> bool:
        """True once verifiers says the rollout is complete (or it failed)."""
        return self._task.done()

    async def next_call(self) -> ModelCall | None:
        """Wait for the next model call; ``None`` when the rollout ended instead."""
        if self._task.done():
            return None
        getter = asyncio.ensure_future(self._calls.get())
        try:
            await asyncio.wait({getter, self._task}, return_when=asyncio.FIRST_COMPLETED)
        finally:
            if not getter.done():
                getter.cancel()
        if getter.done() and not getter.cancelled():
            self.pending = getter.result()
            return self.pending
        self.pending = None
        return None

    async def act(self, message: dict[str, Any]) -> ModelCall | None:
        """Answer the parked model call with ``message``; wait for what comes next."""
        call, self.pending = self.pending, None
        if call is None or self._task.done():
            return None
        if not call.reply.done():  # verifiers may have given up on it (timeout)
            call.reply.set_result(message)
            self.turns += 1
        return await self.next_call()

    def output(self) -> Any:
        """What the rollout returned; raises :class:`RolloutFailed` if it crashed."""
        if not self._task.done():
            raise RuntimeError("the rollout is still running")
        if self._task.cancelled():
            raise RolloutFailed("the rollout was cancelled: send reset to start a new one")
        error = self._task.exception()
        if error is not None:
            raise RolloutFailed(
                f"the verifiers environment raised {describe(error)}. "
                "The episode is over; send reset to start a new one"
            ) from error
        return self._task.result()

    async def cancel(self) -> None:
        """Stop the rollout (if running) and wait until it has unwound."""
        if self.pending is not None and not self.pending.reply.done():
            self.pending.reply.cancel()
        self._task.cancel()
        await asyncio.gather(self._task, return_exceptions=True)


async def _contained(rollout: Awaitable[Any]) -> Any:
    """The rollout, with ``SystemExit`` & co. kept inside its task (they would otherwise
    escape the shared rollout loop)."""
    with contained():
        return await rollout
