"""Bounded shutdown: SIGTERM/SIGINT end the server within ``shutdown_timeout_s``.

uvicorn already stops accepting on the first signal and lets open connections finish.
envbridge adds what a stuck environment needs:

1. in-flight calls get a short grace (``grace_s``), then their tasks are cancelled;
2. the app's lifespan shutdown closes every session at once, giving up on the ones
   still closing after half the budget, then runs :mod:`envbridge.spec.cleanup` (temp
   folders, subprocesses, containers the bridges registered);
3. a threads stuck in environment code would hold interpreter exit forever, so the
   process leaves with ``os._exit`` once cleanup ran;
4. a watchdog started by the first signal forces that exit (cleanup first, status 1)
   when the above has not finished within ``shutdown_timeout_s``.

uvicorn re-raises a caught SIGTERM after serving, which with the default handler ends
the process before ``atexit`` handlers run; envbridge exits normally instead.
"""

from __future__ import annotations

import contextlib
import logging
import os
import sys
import threading
import time
from types import FrameType
from typing import Any

import uvicorn
from envbridge.spec import cleanup

log = logging.getLogger("envbridge.server")

EXIT_FORCED = 1
"""Exit status when the watchdog had to force the exit."""


def grace_s(shutdown_timeout_s: float) -> int:
    """How long in-flight calls may finish after a signal: a third of the budget, whole
    seconds (uvicorn's setting is an int), 1 to 3 s."""
    return max(1, min(3, int(shutdown_timeout_s / 3)))


class BoundedServer(uvicorn.Server):
    """uvicorn's server with envbridge's bounded, leak-free shutdown."""

    def __init__(self, config: uvicorn.Config, shutdown_timeout_s: float):
        config.timeout_graceful_shutdown = grace_s(shutdown_timeout_s)
        super().__init__(config)
        self.shutdown_timeout_s = shutdown_timeout_s
        self._watchdog: threading.Thread | None = None

    def handle_exit(self, sig: int, frame: FrameType | None) -> None:
        super().handle_exit(sig, frame)
        self._captured_signals.clear()  # exit normally afterwards, with cleanup
        if self._watchdog is None:
            log.warning(
                "envbridge: signal %d, shutting down (at most %g s)", sig, self.shutdown_timeout_s
            )
            self._watchdog = threading.Thread(
                target=_force_exit_after,
                args=(self.shutdown_timeout_s,),
                name="envbridge-shutdown-watchdog",
                daemon=True,
            )
            self._watchdog.start()


def _force_exit_after(seconds: float) -> None:
    time.sleep(seconds)
    print(
        f"envbridge: shutdown did not finish within {seconds:g} s (an environment call is "
        "stuck); removing what the server created and exiting",
        file=sys.stderr,
        flush=True,
    )
    cleanup.run_all()
    _exit(EXIT_FORCED)


def run(
    app: Any, shutdown_timeout_s: float, sockets: list[Any] | None = None, **config: Any
) -> None:
    """Serve ``app`` (on ``sockets`` when given, already bound) until a signal; return only
    when no stray thread holds the exit."""
    server = BoundedServer(uvicorn.Config(app, **config), shutdown_timeout_s)
    server.run(sockets=sockets)
    cleanup.run_all()
    stuck = [t for t in threading.enumerate() if t is not threading.main_thread() and not t.daemon]
    if stuck:
        log.warning(
            "envbridge: %d thread(s) still in environment code (%s); exiting without them",
            len(stuck),
            ", ".join(t.name for t in stuck),
        )
        _exit(0)


def _exit(status: int) -> None:
    for stream in (sys.stdout, sys.stderr):
        with contextlib.suppress(Exception):
            stream.flush()
    os._exit(status)
