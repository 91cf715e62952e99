"""The local sandbox's ``/etc``: generated, never a copy of the host's.

Accounts are the host's system accounts (uid < 1000, and nobody) with no password hashes;
groups lose their member lists; ``hosts`` and ``nsswitch.conf`` are written fresh,
``resolv.conf`` keeps only resolver lines. A short list of configuration the host
userland needs to work (dynamic linker, PAM for su, useradd defaults, Python's config) is
copied (files other users may not read, such as ``security/opasswd``, are left out); the
two big trees of it, ``alternatives`` (links into ``/usr``) and ``ssl/certs`` (public CA
certificates), are not copied but bound read-only from the host (:func:`bound_trees`),
like ``/usr``. Nothing else of the host's ``/etc`` (keys, machine ids, service
configuration, sudoers) reaches the sandbox.
"""

from __future__ import annotations

import shutil
from pathlib import Path

HOST_ETC = Path("/etc")
SYSTEM_ID_LIMIT = 1000
NOBODY = 65534
COPIED = (
    "bash.bashrc", "ca-certificates.conf", "debian_version", "default/useradd",
    "environment", "gai.conf", "host.conf", "inputrc", "ld.so.cache", "ld.so.conf",
    "ld.so.conf.d", "localtime", "login.defs", "magic", "magic.mime", "mime.types",
    "os-release", "pam.conf", "pam.d", "profile", "profile.d", "protocols", "security",
    "services", "shells", "skel", "ssl/openssl.cnf", "timezone", "xattr.conf",
)  # fmt: skip
"""Host /etc entries the userland needs and that hold no secrets (ssl/private is left out)."""
BOUND = ("alternatives", "ssl/certs")
"""Host /etc trees bound read-only instead of copied: ~700 entries, public, part of the
userland under ``/usr`` (a copy of each per sandbox was most of a reset's time)."""
COPIED_PREFIXES = ("python3",)
"""Host /etc entries by name prefix (``python3.11/sitecustomize.py``...)."""
NSSWITCH = "".join(
    f"{database}: files{' dns' if database == 'hosts' else ''}\n"
    for database in ("passwd", "group", "shadow", "gshadow", "hosts", "networks", "protocols",
                     "services", "ethers", "rpc")
)  # fmt: skip
HOSTS = "127.0.0.1\tlocalhost sandbox\n::1\tlocalhost ip6-localhost ip6-loopback\n"


def write_sandbox_etc(etc: Path) -> None:
    """Fill the (existing, empty) folder ``etc`` with the sandbox's /etc."""
    accounts = _system_lines(HOST_ETC / "passwd", 7, "root:x:0:0:root:/root:/bin/bash")
    groups = _system_lines(HOST_ETC / "group", 3, "root:x:0")
    groups = [f"{line}:" for line in groups]  # no members: they name host users
    _write(etc / "passwd", accounts, 0o644)
    _write(etc / "group", groups, 0o644)
    names = [line.split(":")[0] for line in accounts]
    _write(etc / "shadow", [f"{name}:*:19000:0:99999:7:::" for name in names], 0o640)
    _write(etc / "gshadow", [f"{line.split(':')[0]}:*::" for line in groups], 0o640)
    (etc / "hosts").write_text(HOSTS)
    (etc / "nsswitch.conf").write_text(NSSWITCH)
    (etc / "resolv.conf").write_text(_resolver_lines())
    (etc / "mtab").symlink_to("../proc/self/mounts")
    prefixed = [p.name for p in HOST_ETC.iterdir() if p.name.startswith(COPIED_PREFIXES)]
    for name in [*COPIED, *prefixed]:
        _copy(HOST_ETC / name, etc / name)
    for _, inside in bound_trees():  # empty mount points: bubblewrap binds the host's trees
        (etc / inside.removeprefix("/etc/")).mkdir(parents=True, exist_ok=True)


def bound_trees() -> list[tuple[Path, str]]:
    """(host folder, path in the sandbox) of the :data:`BOUND` trees this host has (real
    folders, no symlink on the way), bound read-only over the sandbox's ``/etc``."""
    return [(HOST_ETC / name, f"/etc/{name}") for name in BOUND if _real_dir(HOST_ETC / name)]


def _real_dir(path: Path) -> bool:
    return path.is_dir() and not any(p.is_symlink() for p in (path, *path.parents))


def _system_lines(path: Path, fields: int, root: str) -> list[str]:
    """The first ``fields`` fields of the system-id lines of ``path`` (root at least)."""
    lines = []
    for line in path.read_text(encoding="utf-8", errors="replace").splitlines():
        parts = line.split(":")
        if len(parts) >= 4 and parts[2].isdigit():
            number = int(parts[2])
            if number < SYSTEM_ID_LIMIT or number == NOBODY:
                lines.append(":".join(parts[:fields]))
    if not any(line.startswith("root:") for line in lines):
        lines.insert(0, root)
    return lines


def _write(path: Path, lines: list[str], mode: int) -> None:
    path.write_text("".join(f"{line}\n" for line in lines))
    path.chmod(mode)


def _resolver_lines() -> str:
    try:
        text = (HOST_ETC / "resolv.conf").read_text()
    except OSError:
        return ""
    wanted = ("nameserver", "search", "options", "domain")
    return "".join(f"{line}\n" for line in text.splitlines() if line.startswith(wanted))


def _copy(source: Path, target: Path) -> None:
    if not source.exists() and not source.is_symlink():
        return
    target.parent.mkdir(parents=True, exist_ok=True)
    if source.is_symlink():
        target.symlink_to(source.readlink())
    elif source.is_dir():
        shutil.copytree(source, target, symlinks=True, ignore=_private)
    elif _public(source):
        shutil.copy2(source, target)


def _public(path: Path) -> bool:
    """Readable by any host user (a file only root may read stays out: ``opasswd``...)."""
    return bool(path.lstat().st_mode & 0o004) or path.is_symlink()


def _private(folder: str, names: list[str]) -> set[str]:
    """copytree's ``ignore``: the entries of ``folder`` other users may not read."""
    return {name for name in names if not _public(Path(folder) / name)}
