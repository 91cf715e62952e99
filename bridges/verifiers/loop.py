"""The one long-lived event loop every verifiers rollout of this process runs on.

Rollouts outlive the requests that drive them and verifiers keeps loop-bound state, so
they never run on the server's loop (or on a per-call ``asyncio.run``): a daemon thread
owns one loop for the life of the process, and bridge methods hop onto it with
:func:`on_rollout_loop`. A slow reward function then delays verifiers work only, never
the server's other sessions.
"""

from __future__ import annotations

import asyncio
import threading
from collections.abc import Coroutine
from typing import Any, TypeVar

T = TypeVar("T")

_lock = threading.Lock()
_loop: asyncio.AbstractEventLoop | None = None


def rollout_loop() -> asyncio.AbstractEventLoop:
    """The process-wide rollout loop, started on first use."""
    global _loop
    with _lock:
        if _loop is None or _loop.is_closed():
            loop = asyncio.new_event_loop()
            thread = threading.Thread(
                target=loop.run_forever, name="envbridge-verifiers-rollouts", daemon=True
            )
            thread.start()
            _loop = loop
        return _loop


async def on_rollout_loop(coro: Coroutine[Any, Any, T]) -> T:
    """Run ``coro`` on the rollout loop and await its result from any other loop.

    Cancelling the caller cancels the coroutine on the rollout loop too.
    """
    loop = rollout_loop()
    try:
        running = asyncio.get_running_loop()
    except RuntimeError:
        running = None
    if running is loop:
        return await coro
    return await asyncio.wrap_future(asyncio.run_coroutine_threadsafe(coro, loop))
