"""One verifiers rollout, driven turn by turn from outside (runs on the rollout loop).

``env.run_rollout`` runs as a task with a :class:`TrainerClient`; verifiers' own loop
(env_response, tools, stop conditions, max_turns, scoring) decides everything. Every
wait is "the next model call OR the end of the rollout, whichever comes first", and an
action arriving after the rollout already ended (a timeout while the trainer was
thinking) is not delivered.
"""

from __future__ import annotations

import asyncio
from typing import Any

from envbridge.bridges.verifiers.client import ModelCall, TrainerClient


class RolloutFailed(RuntimeError):
    """The environment's code raised; the rollout is over and cannot be scored."""


class Episode:
    """A running rollout: the parked model call (if any) and, at the end, its output."""

    def __init__(self, vf_env: Any, row: dict[str, Any], model: str, sampling_args: dict[str, Any]):
        self.client = TrainerClient()
        self.pending: ModelCall | None = None
        self.turns = 0
        self._task = asyncio.ensure_future(
            vf_env.run_rollout(row, self.client, model, dict(sampling_args))
        )

    @property
    def finished(self) -> bool:
        """True once verifiers says the rollout is complete (or it failed)."""
        return self._task.done()

    async def next_call(self) -> ModelCall | None:
        """Wait for the next model call; ``None`` when the rollout ended instead."""
        if self._task.done():
            return None
        getter = asyncio.ensure_future(self.client.calls.get())
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

    def output(self) -> dict[str, Any]:
        """The rollout's ``RolloutOutput``; raises :class:`RolloutFailed` if it crashed."""
        if not self._task.done():
            raise RuntimeError("the rollout is still running")
        if self._task.cancelled():
            raise RolloutFailed("the rollout was cancelled: send reset to start a new one")
        error = self._task.exception()
        if error is not None:
            raise RolloutFailed(
                f"the verifiers environment raised {type(error).__name__}: {error}. "
                "The episode is over; send reset to start a new one"
            ) from error
        return self._task.result()

    async def cancel(self) -> None:
        """Stop the rollout (if running) and wait until it has unwound."""
        if self.pending is not None and not self.pending.reply.done():
            self.pending.reply.cancel()
        self._task.cancel()
        await asyncio.gather(self._task, return_exceptions=True)
