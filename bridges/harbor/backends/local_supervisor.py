"""The in-sandbox supervisor of the local backend (stdlib only; runs as the sandbox's root).

One supervisor runs per sandbox, started once in the sandbox's bubblewrap namespaces and
fed commands by the server over an inherited socket (nothing in the filesystem names it).
Each command gets what a bubblewrap sandbox of its own gave it: a new session, fresh PID,
mount and IPC namespaces (so everything the command starts dies with it, and a fresh
``/proc`` shows only the command's processes), a fresh ``/run``, the task's capabilities,
no_new_privs, the user's uid/gid with no supplementary groups, a clean environment and
its working directory. The supervisor is not dumpable and lives outside every command's
PID namespace: a command cannot signal, trace or read it, nor reach its socket.

Protocol (SOCK_SEQPACKET, JSON): ``{"op": "run", ...}`` with three fds (stdin, stdout,
stderr) answers ``{"exit": code}`` when the command's namespace is empty; ``{"op":
"kill"}`` during a run kills the command's namespace. End of file: the supervisor exits.
"""

import ctypes
import json
import os
import select
import signal
import socket
import sys

CLONE_NEWNS, CLONE_NEWIPC, CLONE_NEWPID = 0x20000, 0x08000000, 0x20000000
PR_SET_PDEATHSIG, PR_SET_DUMPABLE, PR_SET_NO_NEW_PRIVS = 1, 4, 38
PR_CAP_AMBIENT, PR_CAP_AMBIENT_RAISE = 47, 2
MS_NOSUID, MS_NODEV, MS_NOEXEC, MS_REC, MS_PRIVATE = 2, 4, 8, 0x4000, 1 << 18
SPAWN_FAILED = 1
_DEFAULTED = tuple(signal.valid_signals() - {signal.SIGKILL, signal.SIGSTOP})
_libc = ctypes.CDLL(None, use_errno=True)


class _CapHeader(ctypes.Structure):
    _fields_ = [("version", ctypes.c_uint32), ("pid", ctypes.c_int)]


class _CapData(ctypes.Structure):
    _fields_ = [("effective", ctypes.c_uint32), ("permitted", ctypes.c_uint32),
                ("inheritable", ctypes.c_uint32)]  # fmt: skip


def _check(result: int, what: str) -> None:
    if result != 0:
        errno = ctypes.get_errno()
        raise OSError(errno, f"{what}: {os.strerror(errno)}")


def _set_caps(caps: list[int]) -> None:
    """Effective, permitted, inheritable and ambient = ``caps`` (bubblewrap's --cap-add)."""
    mask = sum(1 << cap for cap in caps)
    header = _CapHeader(0x20080522, 0)
    data = (_CapData * 2)()
    for index in range(2):
        word = (mask >> (32 * index)) & 0xFFFFFFFF
        data[index].effective = data[index].permitted = data[index].inheritable = word
    _check(_libc.capset(ctypes.byref(header), data), "capset")
    for cap in caps:
        _check(_libc.prctl(PR_CAP_AMBIENT, PR_CAP_AMBIENT_RAISE, cap, 0, 0), "ambient")


def _become_user(request: dict) -> None:
    """Take the command's capabilities, user and directory (pid 1 of its namespace)."""
    _check(_libc.prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0), "no_new_privs")
    uid, gid = request["uid"], request["gid"]
    _set_caps(request["caps"])  # a user other than root then loses all but inheritable
    if uid != 0:
        os.setgroups([])
        os.setresgid(gid, gid, gid)
        os.setresuid(uid, uid, uid)
    os.chdir(request["cwd"])


def _executable(name: str, path: str) -> str:
    """``name`` looked up in ``path`` the way execvp does."""
    if "/" in name:
        return name
    for folder in path.split(":"):
        candidate = os.path.join(folder or ".", name)
        if os.path.isfile(candidate) and os.access(candidate, os.X_OK):
            return candidate
    raise FileNotFoundError(2, "No such file or directory")


def _init(request: dict, fds: list[int], fresh_proc: bool) -> None:
    """Pid 1 of the command's new PID namespace: make its mount and IPC namespaces,
    become the user, spawn the command (vfork-like, no copy of this process), reap, exit
    with its status (the kernel then kills whatever else is left in the namespace)."""
    try:
        for target, fd in enumerate(fds):
            os.dup2(fd, target)
        os.closerange(3, 65536)
        os.setsid()
        _check(_libc.prctl(PR_SET_PDEATHSIG, signal.SIGKILL, 0, 0, 0), "pdeathsig")
        _check(_libc.unshare(CLONE_NEWNS | CLONE_NEWIPC), "unshare")
        _check(_libc.mount(None, b"/", None, MS_REC | MS_PRIVATE, None), "make / private")
        run_flags = MS_NOSUID | MS_NODEV
        _check(_libc.mount(b"tmpfs", b"/run", b"tmpfs", run_flags, b"mode=755"), "mount /run")
        if fresh_proc:
            flags = MS_NOSUID | MS_NODEV | MS_NOEXEC
            _check(_libc.mount(b"proc", b"/proc", b"proc", flags, None), "mount /proc")
    except BaseException as exc:  # report, never return into the supervisor's loop
        try:
            os.write(2, f"envbridge sandbox: cannot start the command: {exc}\n".encode())
        finally:
            os._exit(SPAWN_FAILED)
    try:
        _become_user(request)
    except OSError as exc:
        os.write(2, f"bwrap: Can't chdir to {request['cwd']}: {exc.strerror}\n".encode())
        os._exit(1)
    argv, env = request["argv"], request["env"]
    try:
        command = os.posix_spawn(
            _executable(argv[0], env.get("PATH", "")), argv, env, setsid=True,
            setsigmask=(), setsigdef=_DEFAULTED,
        )  # fmt: skip
    except OSError as exc:
        os.write(2, f"bwrap: execvp {argv[0]}: {exc.strerror}\n".encode())
        os._exit(1)
    os.close(0)
    os.close(1)
    os.close(2)
    while True:
        pid, status = os.wait()
        if pid == command:
            os._exit(os.WEXITSTATUS(status) if os.WIFEXITED(status) else 128 + os.WTERMSIG(status))


def _spawn(request: dict, fds: list[int], fresh_proc: bool, own_pid_ns: int | None) -> int:
    """Fork the command's pid 1 into a new PID namespace, then point this process's
    future children back at its own namespace. Where setns is refused (a seccomp
    profile), an outer process per command makes the namespace instead and waits for its
    pid 1 (SIGUSR1: kill it)."""
    if own_pid_ns is None:
        return _spawn_outer(request, fds, fresh_proc)
    _check(_libc.unshare(CLONE_NEWPID), "unshare")
    try:
        init = os.fork()
        if init == 0:
            _init(request, fds, fresh_proc)
    finally:
        _check(_libc.setns(own_pid_ns, CLONE_NEWPID), "setns")
    return init


def _spawn_outer(request: dict, fds: list[int], fresh_proc: bool) -> int:
    outer = os.fork()
    if outer != 0:
        return outer
    try:
        _check(_libc.prctl(PR_SET_PDEATHSIG, signal.SIGKILL, 0, 0, 0), "pdeathsig")
        _check(_libc.unshare(CLONE_NEWPID), "unshare")
        init = os.fork()
        if init == 0:
            _init(request, fds, fresh_proc)
        signal.signal(signal.SIGUSR1, lambda *_: os.kill(init, signal.SIGKILL))
        os.closerange(0, 65536)
        while True:
            pid, status = os.waitpid(init, 0)
            if pid == init:
                os._exit(os.WEXITSTATUS(status) if os.WIFEXITED(status) else 137)
    except BaseException:  # never return into the supervisor's loop
        os._exit(SPAWN_FAILED)


def _own_pid_ns(allowed: bool) -> int | None:
    """A descriptor of this process's PID namespace if setns to it works, else None."""
    if not allowed:
        return None
    own = os.open("/proc/self/ns/pid", os.O_RDONLY)
    if _libc.setns(own, CLONE_NEWPID) != 0:
        os.close(own)
        return None
    return own


def _serve(sock: socket.socket, fresh_proc: bool, own_pid_ns: int | None) -> None:
    kill = signal.SIGKILL if own_pid_ns is not None else signal.SIGUSR1
    while True:
        message, fds, _, _ = socket.recv_fds(sock, 1 << 20, 3)
        if not message:
            return
        request = json.loads(message)
        if request.get("op") != "run" or len(fds) != 3:
            for fd in fds:
                os.close(fd)
            sock.send(json.dumps({"error": "bad request"}).encode())
            continue
        outer = _spawn(request, fds, fresh_proc, own_pid_ns)
        for fd in fds:
            os.close(fd)
        pidfd = os.pidfd_open(outer)
        try:
            while True:
                ready, _, _ = select.select([sock, pidfd], [], [])
                if pidfd in ready:
                    _, status = os.waitpid(outer, 0)
                    sock.send(json.dumps({"exit": os.waitstatus_to_exitcode(status)}).encode())
                    break
                data = sock.recv(1 << 16)
                if not data:  # the server is gone: take the command with us
                    os.kill(outer, kill)
                    return
                if json.loads(data).get("op") == "kill":  # its namespace dies with it
                    os.kill(outer, kill)
        finally:
            os.close(pidfd)


def main() -> None:
    """argv: socket fd, 1 if /proc can be fresh, the sandbox's folder (unused: it names
    the supervisor in the host's process list), the source's fd, 1 to try setns."""
    _check(_libc.prctl(PR_SET_DUMPABLE, 0, 0, 0, 0), "dumpable")
    sock = socket.socket(fileno=int(sys.argv[1]))
    _serve(sock, sys.argv[2] == "1", _own_pid_ns(sys.argv[5] == "1"))


if __name__ == "__main__":
    main()
