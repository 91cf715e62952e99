"""Attack 12: the agent goes after the local sandbox's supervisor (the process that starts
every command of the episode as the task's users): signal it, trace it, read its file
descriptors, talk on its socket, or outlive the episode through it.

Defence: the supervisor lives outside every command's PID namespace (a command cannot
name it), is not dumpable (its /proc entries need CAP_SYS_PTRACE, which no command has),
and its socket is an inherited descriptor no command receives; everything a command
starts dies with the command's namespace, the whole sandbox dies at stop_processes and
close, and what a command sees (user, capabilities, environment, directory, /run) is what
a bubblewrap sandbox of its own showed.
"""

from __future__ import annotations

import os
import random
import tempfile
from pathlib import Path

import pytest
from envbridge.bridges.harbor.backends.local import LocalSandbox

from tests.helpers import marked_processes
from tests.security.support import make_task, open_env

PROBE = (
    "id; grep -E '^(Cap|NoNewPrivs|Groups|SigBlk|SigIgn)' /proc/self/status; pwd; env | sort; "
    "ls -A /run; hostname; readlink /proc/self/fd/0"
)
SLEEP = f"sleep {random.randint(10_000, 99_999)}"
"""A command line no other process of the machine runs (another suite may run at once)."""

ATTACK = (
    "kill -9 -1 2>/dev/null; "  # every process this command may signal
    "ls /proc/1/fd 2>/dev/null | wc -l; "
    "cat /proc/1/environ /proc/1/mem 2>/dev/null | wc -c; "
    "ls -l /proc/*/fd/ 2>/dev/null | grep -c socket: ; "
    "echo done"
)


@pytest.fixture(autouse=True, params=["setns", "outer-process"])
def supervisor_mode(request, monkeypatch):
    """Both ways the supervisor makes a command's PID namespace (the second is the one a
    seccomp profile refusing setns leaves, as in a nested-sandbox container)."""
    monkeypatch.setattr(LocalSandbox, "supervisor_setns", request.param == "setns")


def test_a_timeout_kills_everything_the_command_started(tmp_path, request):
    env = open_env(make_task(tmp_path), "local", request)
    try:
        env.reset()
        result = env.call_tool(
            "exec",
            {
                "command": f"setsid {SLEEP}2 & (trap '' TERM; {SLEEP}3) & {SLEEP}4",
                "timeout_s": 1,
            },
        )
        assert result["timed_out"] and result["exit_code"] is None
        assert not marked_processes(SLEEP)
        assert env.call_tool("exec", {"command": "echo next"})["stdout"] == "next\n"
    finally:
        env.close()


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    return Path(f"/proc/{pid}").exists() and "Z" not in _state(pid)


def _state(pid: int) -> str:
    try:
        return Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except OSError:
        return "Z"


def test_the_agent_cannot_kill_trace_or_reach_the_supervisor(tmp_path, request):
    env = open_env(make_task(tmp_path), "local", request)
    try:
        env.reset()
        supervisor = env.sandbox._supervisor
        assert supervisor is not None and supervisor.alive()
        attack = env.call_tool("exec", {"command": ATTACK})
        lines = attack["stdout"].split()
        assert lines[-1] == "done", attack
        fd_lines, secret_bytes, sockets = (int(value) for value in lines[:3])
        assert fd_lines == 0  # no /proc/<pid>/fd of pid 1 (not dumpable) nor of others
        assert secret_bytes == 0  # pid 1's environment and memory stay closed
        assert sockets == 0  # no command holds the supervisor's socket
        assert env.sandbox._supervisor is supervisor and supervisor.alive()
        assert env.call_tool("exec", {"command": "echo still-here"})["stdout"] == "still-here\n"
        assert env.sandbox._supervisor is supervisor  # the same supervisor served it
    finally:
        env.close()


def test_background_processes_die_with_their_command_and_the_supervisor_with_the_episode(
    tmp_path, request
):
    env = open_env(make_task(tmp_path), "local", request)
    try:
        env.reset()
        started = env.call_tool(
            "exec", {"command": f"setsid {SLEEP}0 & nohup {SLEEP}1 >/dev/null 2>&1 & echo ok"}
        )
        assert started["stdout"] == "ok\n"
        assert env.call_tool("exec", {"command": "pgrep -c sleep || true"})["stdout"] == "0\n"
        assert not marked_processes(SLEEP)  # gone on the host too, not just hidden
        supervisor = env.sandbox._supervisor
        pids = [supervisor.process.pid, *_descendants(supervisor.process.pid)]
        assert len(pids) >= 3  # bubblewrap, the namespace's pid 1, the supervisor
    finally:
        env.close()
    assert not any(_alive(pid) for pid in pids)


def test_stop_processes_kills_the_sandbox_and_the_next_command_gets_a_new_supervisor(
    tmp_path, request
):
    env = open_env(make_task(tmp_path), "local", request)
    try:
        env.reset()
        first = env.sandbox._supervisor
        pids = [first.process.pid, *_descendants(first.process.pid)]
        env.sandbox.stop_processes()
        assert not any(_alive(pid) for pid in pids)
        assert env.call_tool("exec", {"command": "echo again"})["stdout"] == "again\n"
        assert env.sandbox._supervisor is not first
    finally:
        env.close()


def test_a_supervised_command_sees_what_a_bubblewrap_sandbox_of_its_own_showed(tmp_path, request):
    env = open_env(make_task(tmp_path), "local", request)
    host_file = Path(tempfile.mkstemp(prefix="host-bind-")[1])
    try:
        env.reset()
        sandbox = env.sandbox
        for user in ("root", "nobody"):
            supervised = sandbox.run(["bash", "-c", PROBE], user=user, env={"X": "1"})
            own = sandbox.run(  # a host bind: the command gets a bubblewrap sandbox
                ["bash", "-c", PROBE], user=user, env={"X": "1"}, binds={host_file: "/opt/x"}
            )
            assert supervised[2] == own[2] == 0, (supervised, own)
            assert _comparable(supervised[0]) == _comparable(own[0]), user
    finally:
        env.close()
        host_file.unlink()


def _comparable(output: bytes) -> list[str]:
    """The probe's lines; glibc's own signals 32 and 33 (which posix_spawn leaves ignored
    and glibc programs take back at start) do not count in SigIgn."""
    lines = output.decode().splitlines()
    for index, line in enumerate(lines):
        if line.startswith("SigIgn:"):
            lines[index] = f"SigIgn: {int(line.split()[1], 16) & ~(0b11 << 31):x}"
    return lines


def _descendants(pid: int) -> list[int]:
    found = []
    for task in Path(f"/proc/{pid}/task").iterdir():
        for child in (task / "children").read_text().split():
            found += [int(child), *_descendants(int(child))]
    return found
