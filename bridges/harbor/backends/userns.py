"""Start a process in a new user namespace whose uids and gids 0-65535 are unprivileged
host ids, so the sandbox's root is not the host's root.

Each sandbox gets its own range (:func:`allocate_range`): sandbox uid n is host uid
``base + n`` with ``base = SANDBOX_ID_BASE + slot * 65536``, so two sandboxes' users are
different host users and cannot signal, trace or read each other even where they can see
each other's processes.

The child unshares its user namespace, the parent (host root) writes its uid/gid maps,
then the child becomes uid 0 *inside* and execs (bubblewrap, which then holds
capabilities over the namespaces it creates and nothing on the host).
"""

from __future__ import annotations

import ctypes
import os
import subprocess
import threading
from functools import partial
from typing import Any

SANDBOX_ID_BASE = 1_000_000
"""Host uid/gid of the first sandbox range's root."""
SANDBOX_ID_COUNT = 65536
SLOTS = 4096
"""Ranges handed out in turn by one server process (65536 * 4096 ids from the base)."""
_next_slot = [0]
_slot_lock = threading.Lock()
_CLONE_NEWUSER = 0x10000000
_GO = b"1"


class UserNamespaceError(OSError):
    """The user namespace could not be created or mapped."""


def allocate_range() -> int:
    """The host id of a new sandbox's root (the next of :data:`SLOTS` ranges)."""
    with _slot_lock:
        slot = _next_slot[0]
        _next_slot[0] = (slot + 1) % SLOTS
    return SANDBOX_ID_BASE + slot * SANDBOX_ID_COUNT


def popen_in_user_namespace(
    argv: list[str], base: int = SANDBOX_ID_BASE, **popen_kwargs: Any
) -> subprocess.Popen[bytes]:
    """``subprocess.Popen(argv)`` whose process runs as root of a fresh namespace whose
    ids 0-65535 are host ids ``base``..``base + 65535``."""
    ready_read, ready_write = os.pipe()
    go_read, go_write = os.pipe()
    problems: list[BaseException] = []
    mapper = threading.Thread(
        target=_write_maps, args=(ready_read, go_write, base, problems), daemon=True
    )
    mapper.start()
    pass_fds = (*popen_kwargs.pop("pass_fds", ()), ready_write, go_read)
    try:
        return subprocess.Popen(
            argv,
            preexec_fn=partial(_enter_namespace, ready_write, go_read),
            pass_fds=pass_fds,
            **popen_kwargs,
        )
    except subprocess.SubprocessError as exc:
        raise UserNamespaceError(f"cannot start a user namespace: {exc}; {problems}") from None
    finally:
        os.close(ready_write)
        os.close(go_read)
        mapper.join(30)
        os.close(ready_read)


def _write_maps(ready_read: int, go_write: int, base: int, problems: list[BaseException]) -> None:
    """Parent side: wait for the child's pid, map its ids, let it go."""
    try:
        text = os.read(ready_read, 32)
        if not text:
            return
        pid = int(text)
        line = f"0 {base} {SANDBOX_ID_COUNT}\n"
        for name in ("uid_map", "gid_map"):
            with open(f"/proc/{pid}/{name}", "w") as handle:
                handle.write(line)
        os.write(go_write, _GO)
    except (OSError, ValueError) as exc:
        problems.append(exc)
    finally:
        os.close(go_write)


def _enter_namespace(ready_write: int, go_read: int) -> None:
    """Child side (between fork and exec): unshare, wait for the maps, become root inside."""
    libc = ctypes.CDLL(None, use_errno=True)
    if libc.unshare(_CLONE_NEWUSER) != 0:
        raise OSError(ctypes.get_errno(), "unshare(CLONE_NEWUSER) failed")
    os.write(ready_write, str(os.getpid()).encode())
    if os.read(go_read, 1) != _GO:
        raise OSError("the parent did not map the user namespace")
    os.setgroups([])
    os.setresgid(0, 0, 0)
    os.setresuid(0, 0, 0)
