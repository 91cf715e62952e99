"""Attack 4c: root inside the local sandbox writes into the ``/etc`` trees every sandbox
shares with the host (``/etc/alternatives``, ``/etc/ssl/certs``: bound from the host,
not copied), to plant something the next episode, another sandbox or the host runs or
trusts; or reads a host file of a copied tree that only the host's root may read.

Defence: the shared trees are bound read-only and belong to the host's root, which is
not mapped in the sandbox's user namespace (no capability of the sandbox's root applies
to them); a remount, an unmount or a new user namespace of the agent's own cannot make
them writable (the kernel locks mounts a less privileged namespace inherits). Files of
the copied trees that other users may not read are not copied.
"""

from __future__ import annotations

import os
import shutil
import tempfile
from collections.abc import Iterator
from pathlib import Path

import pytest
from envbridge.bridges.harbor.backends import local_etc

from tests.security.support import make_task, open_env

MARK = "envbridge-attack"
ATTACK = f"""
touch /etc/ssl/certs/{MARK} && echo WROTE-certs
ln -s /tmp/evil /etc/alternatives/{MARK} && echo WROTE-alternatives
touch /etc/ssl/certs/ca-certificates.crt && echo TOUCHED-bundle
chmod 0666 /etc/ssl/certs/ca-certificates.crt && echo CHMODDED-bundle
mount -o remount,rw /etc/ssl/certs && echo REMOUNTED
mount -o remount,rw,bind /etc/alternatives && echo REMOUNTED
umount -l /etc/ssl/certs && echo UNMOUNTED
python3 - <<'NESTED'
import ctypes, os
libc = ctypes.CDLL(None, use_errno=True)
MS_REMOUNT, MS_BIND, MNT_DETACH = 32, 4096, 2
if libc.unshare(0x10000000 | 0x20000) == 0:  # CLONE_NEWUSER | CLONE_NEWNS
    print("NESTED-IN")
    for path in (b"/etc/ssl/certs", b"/etc/alternatives"):
        if libc.mount(None, path, None, MS_REMOUNT | MS_BIND, None) == 0:
            print("NESTED-REMOUNTED")
        if libc.umount2(path, MNT_DETACH) == 0:
            print("NESTED-UNMOUNTED")
    try:
        open("/etc/ssl/certs/{MARK}-nested", "w").close()
        print("NESTED-WROTE")
    except OSError:
        pass
NESTED
grep -E ' /etc/(ssl/certs|alternatives) ' /proc/self/mountinfo
echo done
"""
"""Each line echoes a word when the attack worked (nested: in a user and mount namespace
of the agent's own, where it holds every capability, straight through the system calls)."""


def fingerprint(folder: Path) -> list[tuple[str, int, int, int, int, str]]:
    """Every entry under ``folder``: name, mode, owner, size, mtime, link target."""
    entries = []
    for path in sorted(folder.rglob("*")):
        info = path.lstat()
        target = os.readlink(path) if path.is_symlink() else ""
        entries.append(
            (str(path), info.st_mode, info.st_uid, info.st_size, info.st_mtime_ns, target)
        )
    return entries


def host_trees() -> list[Path]:
    trees = [host for host, _ in local_etc.bound_trees()]
    if not trees:
        pytest.skip("this host has neither /etc/alternatives nor /etc/ssl/certs")
    return trees


def test_the_agent_cannot_write_the_etc_trees_shared_with_the_host(tmp_path, request):
    trees = host_trees()
    before = {tree: fingerprint(tree) for tree in trees}
    env = open_env(make_task(tmp_path), "local", request)
    second = open_env(make_task(tmp_path, name="second"), "local", request)
    try:
        env.reset()
        second.reset()  # a sandbox living next to the attacked one
        result = env.call_tool("exec", {"command": ATTACK, "timeout_s": 60})
        out = result["stdout"]
        assert out.rstrip().endswith("done"), result
        assert "NESTED-IN" in out, f"no user namespace of the agent's own: {result}"
        worked = set(out.split()) & {
            "WROTE-certs", "WROTE-alternatives", "TOUCHED-bundle", "CHMODDED-bundle",
            "REMOUNTED", "UNMOUNTED", "NESTED-REMOUNTED", "NESTED-WROTE", "NESTED-UNMOUNTED",
        }  # fmt: skip
        assert not worked, result
        mounts = [line for line in out.splitlines() if " /etc/" in line]
        assert len(mounts) >= len(trees), out
        assert all(" ro," in line or " ro " in line for line in mounts), mounts
        for sandbox in (second, env):
            listing = sandbox.call_tool(
                "exec", {"command": f"ls -A /etc/ssl/certs /etc/alternatives | grep -c {MARK}"}
            )
            assert listing["stdout"].strip() == "0", listing
        env.close()
        env.reset()  # the next episode
        again = env.call_tool("exec", {"command": f"ls -A /etc/ssl/certs | grep -c {MARK}"})
        assert again["stdout"].strip() == "0", again
    finally:
        env.close()
        second.close()
        for tree in trees:  # had the attack worked, do not leave it on the host
            for planted in tree.glob(f"{MARK}*"):
                planted.unlink()
    assert {tree: fingerprint(tree) for tree in trees} == before


def test_the_next_episode_starts_from_a_fresh_etc(tmp_path, request):
    """What the agent changes in its own (writable) /etc dies with the episode."""
    env = open_env(make_task(tmp_path), "local", request)
    plant = (
        "echo 'eve:x:0:0::/root:/bin/bash' >> /etc/passwd && "
        f"echo 'export PLANTED=1' > /etc/profile.d/{MARK}.sh && "
        f"echo planted > /etc/security/{MARK} && echo ok"
    )
    try:
        env.reset()
        assert env.call_tool("exec", {"command": plant})["stdout"] == "ok\n"
        env.close()
        env.reset()
        check = f"grep -c '^eve:' /etc/passwd; ls /etc/profile.d /etc/security | grep -c {MARK}"
        probe = env.call_tool("exec", {"command": check})
        assert probe["stdout"].split() == ["0", "0"], probe
    finally:
        env.close()


@pytest.fixture
def planted_host_etc(monkeypatch) -> Iterator[Path]:
    """A stand-in for the host's /etc with root-only files in a copied tree and in a bound
    one (the real /etc is left alone); reachable by the sandboxes' unprivileged uids."""
    folder = Path(tempfile.mkdtemp(prefix="host-etc-"))
    try:
        folder.chmod(0o755)
        for name in ("passwd", "group"):
            shutil.copy2(Path("/etc") / name, folder / name)
        for tree in ("security", "ssl/certs", "alternatives"):
            (folder / tree).mkdir(parents=True)
            (folder / tree).chmod(0o755)
        (folder / "security" / "limits.conf").write_text("# public\n")
        (folder / "security" / "opasswd").write_text("root:1:$6$host-secret-history\n")
        (folder / "ssl" / "certs" / "public.pem").write_text("public certificate\n")
        (folder / "ssl" / "certs" / "private.key").write_text("host-secret-key\n")
        (folder / "alternatives" / "pager").symlink_to("/bin/cat")
        for secret in ("security/opasswd", "ssl/certs/private.key"):
            (folder / secret).chmod(0o600)
        for public in ("security/limits.conf", "ssl/certs/public.pem"):
            (folder / public).chmod(0o644)
        monkeypatch.setattr(local_etc, "HOST_ETC", folder)
        yield folder
    finally:
        shutil.rmtree(folder)


def test_host_files_only_root_may_read_stay_closed(tmp_path, request, planted_host_etc):
    env = open_env(make_task(tmp_path), "local", request)
    try:
        env.reset()
        probe = env.call_tool(
            "exec",
            {
                "command": "ls -A /etc/security; readlink /etc/alternatives/pager; "
                "cat /etc/ssl/certs/public.pem; "
                "cat /etc/security/opasswd /etc/ssl/certs/private.key; "
                "cp /etc/ssl/certs/private.key /tmp/k; cat /tmp/k"
            },
        )
        out = probe["stdout"]
        assert "limits.conf" in out.split() and "/bin/cat" in out, probe
        assert "public certificate" in out, probe
        assert "opasswd" not in out.split(), probe
        assert "secret" not in out, probe
        assert "Permission denied" in probe["stderr"], probe
    finally:
        env.close()
