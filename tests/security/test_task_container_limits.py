"""Attack 5 (task containers): root in a task container opens raw sockets, forks without
bound and keeps Docker's default capabilities.

Defence: every capability is dropped except the named needs of harbor tasks (root
managing task users' files, switching users), ``no-new-privileges``, a pids limit and
memory/CPU limits (the task's, else the documented defaults).
"""

from __future__ import annotations

import docker
import pytest
from envbridge.bridges.harbor.backends.docker import (
    DEFAULT_CPUS,
    DEFAULT_MEMORY_MB,
    DEFAULT_PIDS_LIMIT,
    TASK_CAPABILITIES,
)

from tests.security.support import make_task, open_env

pytestmark = pytest.mark.docker

RAW_SOCKET = (
    "python3 -c 'import socket; socket.socket(socket.AF_INET, socket.SOCK_RAW, 1)' "
    "&& echo raw-socket-opened"
)
FORK_ALL = (
    "python3 -c '\n"
    "import subprocess\n"
    "children = []\n"
    "try:\n"
    "    while len(children) < 4000:\n"
    '        children.append(subprocess.Popen(["sleep", "60"]))\n'
    "except OSError:\n"
    "    pass\n"
    "print(len(children))\n"
    "for child in children:\n"
    "    child.kill()\n"
    "'"
)


def test_root_in_a_task_container_holds_only_the_named_capabilities(tmp_path, request):
    env = open_env(make_task(tmp_path), "docker", request)
    client = docker.from_env()
    try:
        env.reset()
        raw = env.call_tool("exec", {"command": RAW_SOCKET})
        assert "raw-socket-opened" not in raw["stdout"] and raw["exit_code"] != 0
        forked = env.call_tool("exec", {"command": FORK_ALL, "timeout_s": 50})
        assert int(forked["stdout"].strip()) < DEFAULT_PIDS_LIMIT, forked
        status = env.call_tool("exec", {"command": "grep -E 'CapBnd|NoNewPrivs' /proc/self/status"})
        fields = dict(line.split(":\t") for line in status["stdout"].strip().splitlines())
        assert fields["NoNewPrivs"] == "1"
        assert bin(int(fields["CapBnd"], 16)).count("1") == len(TASK_CAPABILITIES)
        host = client.containers.get(env.sandbox._container.id).attrs["HostConfig"]
        assert host["CapDrop"] == ["ALL"] and set(host["CapAdd"]) == set(TASK_CAPABILITIES)
        assert host["PidsLimit"] == DEFAULT_PIDS_LIMIT
        assert host["Memory"] == DEFAULT_MEMORY_MB * 1024 * 1024
        assert host["NanoCpus"] == int(DEFAULT_CPUS * 1e9)
    finally:
        env.close()
        client.close()
