"""The one long-lived event loop every verifiers rollout of this process runs on.

Rollouts outlive the requests that drive them and verifiers keeps loop-bound state, so
they never run on the server's loop (or on a per-call ``asyncio.run``): one supervised
loop on its own thread (:class:`envbridge.spec.worker.SupervisedLoop`) serves the whole
process, and bridge methods hop onto it with :func:`on_rollout_loop`. A slow reward
function then delays verifiers work only, never the server's other sessions; a
``SystemExit`` raised by environment code fails only its own session, and ``/health``
reports the loop dead or wedged.
"""

from __future__ import annotations

import asyncio
from collections.abc import Coroutine
from typing import Any, TypeVar

from envbridge.spec.worker import SupervisedLoop

T = TypeVar("T")

WORKER = SupervisedLoop("verifiers rollout loop")
"""The process-wide rollout loop (started on first use)."""


def rollout_loop() -> asyncio.AbstractEventLoop:
    """The process-wide rollout loop, started (or restarted) on demand."""
    return WORKER.loop()


async def on_rollout_loop(coro: Coroutine[Any, Any, T]) -> T:
    """Run ``coro`` on the rollout loop and await its result from any other loop.

    Cancelling the caller cancels the coroutine on the rollout loop too.
    """
    return await WORKER.run(coro)
