"""A full run leaves nothing behind: no server sessions, no sockets, no threads."""

from __future__ import annotations

import os
import threading
import time

from envbridge.conformance import check
from envbridge.conformance.broken import healthy_app

from tests.conformance.conftest import FAST
from tests.helpers import serving_app


def _open_fds() -> int:
    return len(os.listdir("/proc/self/fd"))


def _settle(condition, timeout_s: float = 5.0) -> bool:
    deadline = time.monotonic() + timeout_s
    while not condition():
        if time.monotonic() > deadline:
            return False
        time.sleep(0.05)
    return True


def test_a_full_run_closes_every_session_and_socket_it_opened():
    app = healthy_app()
    with serving_app(app) as url:
        check(url, only=["http"], **FAST)  # warm up: imports, lazily built facts
        fds, threads = _open_fds(), threading.active_count()
        report = check(url, **FAST)
        assert report.passed
        assert _settle(lambda: app.registry.active == 0), f"{app.registry.active} sessions left"
        assert _settle(lambda: _open_fds() <= fds), f"{_open_fds() - fds} file descriptors left"
        assert threading.active_count() <= threads
