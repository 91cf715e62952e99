"""A supervised event loop on its own thread, shared by every session of a bridge.

Some bridges run all their sessions' work on one long-lived loop (verifiers keeps
loop-bound state). Environment code on that loop can raise ``SystemExit`` or
``KeyboardInterrupt``, which asyncio lets escape ``run_forever`` and which would end the
thread silently, freezing every session. :class:`SupervisedLoop`:

- resumes the loop when such an exception escapes (the other sessions' tasks live on),
  and gives up only after ``crash_budget`` escapes within ``crash_window_s``;
- when the thread does end, fails every call waiting on it with :class:`WorkerDied`,
  starts a fresh loop and thread after ``restart_delay_s``, and counts a new
  ``generation`` (state bound to the old loop is gone: callers check it);
- beats every ``beat_s`` on the loop, so a loop blocked by a synchronous call is seen as
  *wedged* after ``wedge_after_s``;
- registers a probe with :mod:`envbridge.spec.health`, so ``/health`` answers 503 while
  the loop is dead, restarting or wedged.
"""

from __future__ import annotations

import asyncio
import concurrent.futures
import contextlib
import logging
import threading
import time
from collections.abc import Coroutine
from typing import Any, TypeVar

from envbridge.spec import health
from envbridge.spec.containment import EnvironmentAborted, describe, must_contain

log = logging.getLogger("envbridge.worker")

T = TypeVar("T")


class WorkerDied(RuntimeError):
    """The shared worker ended while this call was running; the call's work is lost."""


class SupervisedLoop:
    """One event loop on one daemon thread, restarted when it dies."""

    def __init__(
        self,
        name: str,
        *,
        wedge_after_s: float = 10.0,
        beat_s: float = 0.5,
        crash_budget: int = 5,
        crash_window_s: float = 10.0,
        restart_delay_s: float = 0.5,
    ):
        self.name = name
        self.wedge_after_s = wedge_after_s
        self.beat_s = beat_s
        self.crash_budget = crash_budget
        self.crash_window_s = crash_window_s
        self.restart_delay_s = restart_delay_s
        self.generation = 0
        """Counts loop starts; state made on an older generation's loop is lost."""
        self.last_failure: str | None = None
        """What last escaped the loop (``Type: message``), for errors and /health."""
        self._lock = threading.Lock()
        self._loop: asyncio.AbstractEventLoop | None = None
        self._thread: threading.Thread | None = None
        self._last_beat = time.monotonic()
        self._crashes: list[float] = []
        self._pending: set[concurrent.futures.Future[Any]] = set()
        self._restart: threading.Timer | None = None
        self._stopped = False
        health.register(name, self.probe)

    # ------------------------------------------------------------------------ running

    def loop(self) -> asyncio.AbstractEventLoop:
        """The live loop (started, or restarted at once, when there is none)."""
        with self._lock:
            if self._loop is None or self._thread is None or not self._thread.is_alive():
                self._start_locked()
            assert self._loop is not None
            return self._loop

    async def run(self, coro: Coroutine[Any, Any, T]) -> T:
        """Run ``coro`` on the loop and await it from any other loop.

        Cancelling the caller cancels ``coro`` too. ``SystemExit`` & co. raised by it come
        out as :class:`EnvironmentAborted`; :class:`WorkerDied` if the loop dies first.
        """
        loop = self.loop()
        try:
            running = asyncio.get_running_loop()
        except RuntimeError:
            running = None
        if running is loop:
            return await coro
        future = asyncio.run_coroutine_threadsafe(coro, loop)
        with self._lock:
            self._pending.add(future)
        future.add_done_callback(self._forget)
        try:
            return await asyncio.wrap_future(future)
        except BaseException as exc:
            if must_contain(exc):
                raise EnvironmentAborted(exc) from exc
            raise

    def _forget(self, future: concurrent.futures.Future[Any]) -> None:
        with self._lock:
            self._pending.discard(future)

    def _start_locked(self) -> None:
        if self._restart is not None:
            self._restart.cancel()
            self._restart = None
        loop = asyncio.new_event_loop()
        self.generation += 1
        self._loop = loop
        self._last_beat = time.monotonic()
        self._thread = threading.Thread(
            target=self._main,
            args=(loop,),
            name=f"{self.name}-{self.generation}",
            daemon=True,
        )
        self._thread.start()

    def _main(self, loop: asyncio.AbstractEventLoop) -> None:
        asyncio.set_event_loop(loop)
        loop.call_soon(self._beat, loop)
        try:
            while True:
                try:
                    loop.run_forever()
                    return  # stop() asked for it
                except BaseException as exc:
                    if self._give_up(exc):
                        return
        finally:
            self._died(loop)

    def _give_up(self, exc: BaseException) -> bool:
        """Record an escape; True when the crash budget is spent."""
        now = time.monotonic()
        self.last_failure = describe(exc)
        self._crashes = [t for t in self._crashes if now - t < self.crash_window_s] + [now]
        if len(self._crashes) > self.crash_budget:
            log.error(
                "%s: %d exceptions escaped its event loop within %g s (last: %s); "
                "restarting it, the calls it was running fail",
                self.name,
                len(self._crashes),
                self.crash_window_s,
                self.last_failure,
            )
            return True
        log.error(
            "%s: %s escaped a task on its event loop; the loop carries on (only the "
            "session whose code raised it fails)",
            self.name,
            self.last_failure,
        )
        return False

    def _died(self, loop: asyncio.AbstractEventLoop) -> None:
        with self._lock:
            pending, self._pending = list(self._pending), set()
            if self._loop is loop:
                self._loop = None
            restart = not self._stopped and self._restart is None and self._loop is None
            if restart:
                self._restart = threading.Timer(self.restart_delay_s, self._restart_now)
                self._restart.daemon = True
                self._restart.start()
        reason = self.last_failure or "its thread ended"
        for future in pending:
            if not future.done():
                with contextlib.suppress(concurrent.futures.InvalidStateError):
                    future.set_exception(
                        WorkerDied(
                            f"{self.name} died ({reason}) while running this call; it is "
                            "being restarted: send reset to start a new episode"
                        )
                    )
        with contextlib.suppress(RuntimeError):
            loop.close()

    def _restart_now(self) -> None:
        with self._lock:
            self._restart = None
            if not self._stopped and (self._thread is None or not self._thread.is_alive()):
                self._start_locked()
                log.warning("%s restarted (generation %d)", self.name, self.generation)

    def _beat(self, loop: asyncio.AbstractEventLoop) -> None:
        self._last_beat = time.monotonic()
        loop.call_later(self.beat_s, self._beat, loop)

    # ------------------------------------------------------------------------ health

    def probe(self) -> str | None:
        """None while healthy; why not otherwise (see :mod:`envbridge.spec.health`)."""
        with self._lock:
            thread, restarting = self._thread, self._restart is not None
        if thread is None:
            return None  # never used yet: it starts on first use
        if restarting or not thread.is_alive():
            return f"its worker thread died ({self.last_failure or 'unknown cause'}); restarting"
        silent = time.monotonic() - self._last_beat
        if silent > self.wedge_after_s:
            return (
                f"its event loop is wedged: blocked for {silent:.0f} s (a synchronous call in "
                "environment code?)"
            )
        return None

    def stop(self) -> None:
        """Stop the loop for good (tests; the process normally just exits)."""
        with self._lock:
            self._stopped = True
            loop, thread = self._loop, self._thread
            if self._restart is not None:
                self._restart.cancel()
        if loop is not None and thread is not None and thread.is_alive():
            loop.call_soon_threadsafe(loop.stop)
            thread.join(timeout=5)
        health.unregister(self.name)
