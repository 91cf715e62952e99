"""Leak accounting for pool tests: child processes, pool log files, open descriptors."""

from __future__ import annotations

import os
import tempfile
import time
from pathlib import Path


def child_pids() -> set[int]:
    """Live (non-zombie) direct children of this process."""
    me = os.getpid()
    found = set()
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            stat = (entry / "stat").read_text()
        except OSError:
            continue
        fields = stat.rsplit(")", 1)[1].split()
        if int(fields[1]) == me and fields[0] != "Z":
            found.add(int(entry.name))
    return found


def pool_logs() -> set[str]:
    """The pool's server log files in the temp directory."""
    return {p.name for p in Path(tempfile.gettempdir()).glob("envbridge-pool-*.log")}


def open_fds() -> int:
    return len(os.listdir("/proc/self/fd"))


def settle(check, timeout_s: float = 5.0):
    """Poll ``check()`` until it is truthy (sockets close asynchronously); return it."""
    deadline = time.monotonic() + timeout_s
    value = check()
    while not value and time.monotonic() < deadline:
        time.sleep(0.05)
        value = check()
    return value
