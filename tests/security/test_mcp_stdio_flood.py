"""Attack: the agent floods the host through a stdio MCP server of its task.

A stdio server runs in the task container as the agent user, so the agent can write into
its stdout and stderr (``/proc/PID/fd/1``, ``/proc/PID/fd/2``), whose other ends are read
by the bridge on the host. Unbounded, a line without a newline, or endless stderr, would
grow the bridge's memory (or a log file) without limit.

Defence (:mod:`envbridge.bridges.harbor.mcp_stdio`): a message longer than 8 MiB ends the
session (the server's tools then fail as tool errors; the episode goes on) and only the
last 2 KiB of stderr are kept, in memory.
"""

from __future__ import annotations

import time
from pathlib import Path

import pytest
from envbridge.bridges.harbor import load_target
from envbridge.spec import ToolError

from tests.bridges.harbor.support import corpus_options, stdio_mcp_task

FIND_SERVER = (
    "pid=$(for p in /proc/[0-9]*; do grep -qa 'notes[_]mcp' $p/cmdline && echo ${p#/proc/}; "
    "done | head -1); "
)
FLOOD_MB = 64


def rss_mb() -> float:
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    raise AssertionError("no VmRSS")


@pytest.mark.docker
@pytest.mark.parametrize("stream", [1, 2], ids=["stdout", "stderr"])
def test_flooding_a_stdio_servers_output_does_not_grow_the_bridge(stream, tmp_path, base_image):
    options = {**corpus_options("docker"), "exec_timeout_s": 60}
    env = load_target(str(stdio_mcp_task(tmp_path / "t")), options)()
    try:
        env.reset()
        before = rss_mb()
        flood = (
            f"{FIND_SERVER}timeout 30 sh -c \"head -c {FLOOD_MB}M /dev/zero | tr '\\\\0' a "
            f'> /proc/$pid/fd/{stream}"; echo flooded $pid'
        )
        result = env.call_tool("exec", {"command": flood})
        assert result["stdout"].startswith("flooded "), result
        grown = rss_mb() - before
        assert grown < FLOOD_MB / 2, f"the bridge grew by {grown:.0f} MB"
        if stream == 1:  # the session ended: a prompt tool error, not a hang
            started = time.monotonic()
            with pytest.raises(ToolError, match="output"):
                env.call_tool("notes__list_notes", {})
            assert time.monotonic() - started < 5
        else:  # stderr is drained and dropped: the server still answers
            assert env.call_tool("notes__list_notes", {})["structured_content"]["titles"]
        assert env.call_tool("exec", {"command": "echo alive"})["stdout"] == "alive\n"
        assert env.state()["rewards"] is None
    finally:
        env.close()
