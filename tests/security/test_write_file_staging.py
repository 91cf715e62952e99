"""Attack 1: the agent plants symlinks where ``write_file`` stages its upload, hoping a
root-run copy follows them into ``/etc/passwd`` and makes its next ``exec`` run as uid 0.

Defence: ``write_file`` runs as the agent user from start to end (the content arrives on
the command's stdin, never through a path the agent can name), so it can only write what
the agent could write with ``exec``, and the file is the agent's.
"""

from __future__ import annotations

import pytest

from tests.security.support import AGENT_USER_DOCKERFILE, BACKENDS, make_task, open_env

FORGED_PASSWD = "agent:x:0:0:pwned:/root:/bin/bash\nroot:x:0:0:root:/root:/bin/bash\n"
PLANT = (
    "for dir in /tmp/.envbridge-upload /tmp /app /run /dev/shm; do "
    "  mkdir -p $dir/.envbridge-upload 2>/dev/null; "
    "  for i in $(seq 0 40); do ln -sfn /etc/passwd $dir/.envbridge-upload/$i 2>/dev/null; done; "
    "done; ln -sfn /etc/passwd /tmp/.envbridge-stage-file 2>/dev/null; id -u"
)


@pytest.mark.parametrize("backend", BACKENDS)
def test_planted_staging_symlinks_do_not_give_the_agent_root(backend, tmp_path, request):
    env = open_env(make_task(tmp_path, dockerfile=AGENT_USER_DOCKERFILE), backend, request)
    try:
        env.reset()
        passwd = env.sandbox.read_bytes("/etc/passwd", 1 << 20)
        assert env.call_tool("exec", {"command": PLANT})["stdout"].strip() == "1001"

        for name in ("/tmp/note.txt", "notes/plan.md"):
            written = env.call_tool("write_file", {"path": name, "content": FORGED_PASSWD})
            assert written["bytes_written"] == len(FORGED_PASSWD)

        assert env.sandbox.read_bytes("/etc/passwd", 1 << 20) == passwd
        after = env.call_tool(
            "exec", {"command": "id -u; stat -c '%U %a' /tmp/note.txt /app/notes/plan.md"}
        )
        assert after["stdout"].split() == ["1001", "agent", "644", "agent", "644"], after
        assert env.call_tool("read_file", {"path": "/tmp/note.txt"})["content"] == FORGED_PASSWD
    finally:
        env.close()


@pytest.mark.parametrize("backend", BACKENDS)
def test_write_file_through_the_agents_own_symlink_cannot_reach_root_files(
    backend, tmp_path, request
):
    env = open_env(make_task(tmp_path, dockerfile=AGENT_USER_DOCKERFILE), backend, request)
    try:
        env.reset()
        shadow = env.sandbox.read_bytes("/etc/shadow", 1 << 20)
        env.call_tool("exec", {"command": "ln -s /etc/shadow /app/link"})
        with pytest.raises(Exception, match=r"(?i)permission denied"):
            env.call_tool("write_file", {"path": "/app/link", "content": "root::0:0:::::\n"})
        assert env.sandbox.read_bytes("/etc/shadow", 1 << 20) == shadow
    finally:
        env.close()
