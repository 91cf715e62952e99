"""Attack 4: root inside the local sandbox reads the host's secrets in ``/etc`` and leaves
host-root-owned (set-uid) files behind, because the sandbox's root was the host's root.

Defence: the sandbox gets a generated ``/etc`` (system accounts only, no password hashes,
none of the host's keys or configuration), and every command runs in a user namespace in
which the sandbox's uids 0-65535 are unprivileged host uids.
"""

from __future__ import annotations

import shutil
import tempfile
from pathlib import Path

import pytest
from envbridge.bridges.harbor.backends import SandboxError

from tests.security.support import make_task, open_env

PROBE = (
    "id -u; cat /proc/self/uid_map; "
    "cat /etc/shadow 2>/dev/null | grep -c '\\$' || true; "
    "ls /etc/ssh 2>/dev/null | wc -l; "
    "cp /usr/bin/bash /tmp/rootsh && chmod u+s /tmp/rootsh && echo made-setuid"
)


def host_shadow_hashes() -> set[str]:
    """The password hashes of the host's /etc/shadow (empty when it has none)."""
    try:
        lines = Path("/etc/shadow").read_text().splitlines()
    except OSError:
        return set()
    return {line.split(":")[1] for line in lines if line.count(":") > 2 and "$" in line}


def test_root_in_the_local_sandbox_is_not_host_root_and_sees_no_host_secrets(tmp_path, request):
    env = open_env(make_task(tmp_path), "local", request)
    try:
        env.reset()
        etc = env.call_tool("exec", {"command": "cat /etc/shadow /etc/gshadow; ls -A /etc"})
        for secret in host_shadow_hashes():
            assert secret not in etc["stdout"]
        for host_only in ("ssh", "sudoers", "machine-id", "docker", "hostname"):
            assert host_only not in etc["stdout"].split(), host_only
        probe = env.call_tool("exec", {"command": PROBE})["stdout"].split("\n")
        assert probe[0] == "0"  # root inside...
        inside, outside, _count = probe[1].split()
        assert (inside, outside) != ("0", "0")  # ...is not root outside
        made = env.sandbox.root / "tmp" / "rootsh"
        assert "made-setuid" in probe
        assert made.stat().st_uid != 0 and made.stat().st_uid >= 65536
    finally:
        env.close()


def test_sandbox_root_cannot_read_host_root_only_files(tmp_path, request):
    """Files the host's root owns with mode 0600 (bound in read-only) stay unreadable."""
    folder = Path(tempfile.mkdtemp(prefix="host-files-"))
    try:
        folder.chmod(0o755)
        (folder / "root-only").write_text("host secret\n")
        (folder / "root-only").chmod(0o600)
        (folder / "public").write_text("public\n")
        (folder / "public").chmod(0o644)
        env = open_env(make_task(tmp_path), "local", request)
        try:
            env.reset()
            probe = "cat /probe/public; cat /probe/root-only"
            out, err, code, _, _ = env.sandbox.run(
                ["bash", "-c", probe], binds={folder: "/probe"}, user="root"
            )
            assert out == b"public\n" and code != 0, (out, err)
            assert b"Permission denied" in err
        finally:
            env.close()
    finally:
        shutil.rmtree(folder)


def test_a_planted_passwd_cannot_hang_or_feed_the_server(tmp_path, request):
    """Root in the sandbox swaps /etc/passwd for a link to /dev/zero or for a FIFO: the
    server reads the sandbox's passwd to resolve users, and must neither follow the link
    nor block; the next command fails with a clear error instead."""
    env = open_env(make_task(tmp_path), "local", request)
    try:
        env.reset()
        for plant in ("ln -sf /dev/zero /etc/passwd", "rm /etc/passwd && mkfifo /etc/passwd"):
            env.close()
            env.reset()
            assert env.call_tool("exec", {"command": plant})["exit_code"] == 0
            with pytest.raises(SandboxError, match="replaced it"):
                env.call_tool("exec", {"command": "true"})
    finally:
        env.close()
