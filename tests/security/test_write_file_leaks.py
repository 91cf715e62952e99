"""Attack 6 (the part in the bridge): an agent calls ``write_file`` over and over, hoping
each call leaks a descriptor and the staged file's disk space until the server dies.

Defence: the content goes to the command's stdin; nothing is staged on the host.
The test counts this process's descriptors (and deleted-but-open files) around 1,000
writes, and the files in the sandbox's host folder.
"""

from __future__ import annotations

import os
from pathlib import Path

from tests.security.support import make_task, open_env

WRITES = 1000


def open_descriptors() -> tuple[int, int]:
    """(descriptors of this process, how many of them point at deleted files)."""
    targets = []
    for fd in os.listdir("/proc/self/fd"):
        try:
            targets.append(os.readlink(f"/proc/self/fd/{fd}"))
        except OSError:
            continue
    return len(targets), sum(target.endswith(" (deleted)") for target in targets)


def host_files(folder: Path) -> int:
    """Files in the sandbox's host folder, outside its root file system."""
    return sum(1 for path in folder.iterdir() if path.name != "root")


def test_a_thousand_writes_leak_no_descriptor_and_no_disk(tmp_path, request):
    at_start = open_descriptors()
    env = open_env(make_task(tmp_path), "local", request)
    try:
        env.reset()
        env.call_tool("write_file", {"path": "/tmp/warm-up", "content": "x"})
        env._spares.wait()  # the next episode's spare sandbox holds descriptors of its own
        before = open_descriptors()
        files_before = host_files(env.sandbox._tmp)
        for index in range(WRITES):
            env.call_tool("write_file", {"path": f"/tmp/f{index % 10}", "content": "y" * 4096})
        # Not equality: other threads of the test process may close descriptors meanwhile;
        # a leak of a thousand writes shows as growth.
        assert all(now <= then for now, then in zip(open_descriptors(), before, strict=True))
        assert host_files(env.sandbox._tmp) == files_before
    finally:
        env.close()
    assert all(now <= then for now, then in zip(open_descriptors(), at_start, strict=True))
