"""The local backend: bubblewrap namespaces per sandbox, fresh ones per command, no Docker.

Each episode owns a host folder that becomes ``/`` inside the sandbox; the host's
``/usr`` (and ``/bin``, ``/lib``... ) is bound read-only over it as the image's ``FROM``,
``/etc`` is generated (:mod:`.local_etc`: system accounts, no host secrets; its two big
public trees, ``alternatives`` and ``ssl/certs``, are the host's, bound read-only) and
``/app``, ``/logs``, ``/tests``, ``/tmp`` are the episode's own. Every command runs in a
user namespace whose uids 0-65535 are unprivileged host uids (:mod:`.userns`), in a fresh
PID namespace that dies with the command (killed as a whole on timeout). Commands are
started by the sandbox's supervisor (:mod:`.local_supervisor`, one per sandbox, fed over a
socket), which costs a fork instead of a new bubblewrap sandbox; commands with host binds
(and hosts with no Python under /usr) take a bubblewrap sandbox of their own. Files
reach the sandbox on a command's stdin, never through a path the agent can name. A
convenience backend, not the isolation one: same kernel and host userland (see
docs/security.md for what it does not guarantee).
"""

from __future__ import annotations

import contextlib
import os
import shutil
import signal
import stat
import subprocess
import tarfile
import tempfile
import threading
from collections.abc import Callable
from pathlib import Path
from typing import IO, TYPE_CHECKING

from envbridge.bridges.harbor.backends.base import (
    DEFAULT_OUTPUT_LIMIT,
    ROOT_USER,
    TASK_CAPABILITIES,
    WRITE_AS_USER,
    CappedReader,
    ExecResult,
    Sandbox,
    SandboxError,
    SandboxSpec,
    decode,
)
from envbridge.bridges.harbor.backends.local_client import (
    SUPERVISOR_CAPS,
    Supervisor,
    SupervisorGone,
    python_in_sandbox,
    source_pipe,
    supervisor_socket,
)
from envbridge.bridges.harbor.backends.local_etc import bound_trees, write_sandbox_etc
from envbridge.bridges.harbor.backends.userns import (
    UserNamespaceError,
    allocate_range,
    popen_in_user_namespace,
)

if TYPE_CHECKING:
    from envbridge.bridges.harbor.backends.local_spare import SparePool

HOST_SYSTEM_DIRS = ("usr", "bin", "sbin", "lib", "lib32", "lib64", "libx32")
"""Host folders that stand in for the image's base (bound read-only)."""

DEFAULT_PATH = "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"
_MISSING_EXIT = 44
StdinWriter = Callable[[IO[bytes]], None]
"""Writes a command's standard input (then it is closed)."""
_proc_arguments: list[str] = []


def bwrap_path() -> str | None:
    """The bubblewrap executable, if installed."""
    return shutil.which("bwrap")


class LocalSandbox(Sandbox):
    """A sandbox made of a host folder, bubblewrap and the host userland."""

    backend_name = "local"
    supervisor_setns = True
    """Whether the supervisor may try setns (tests turn it off: the seccomp-profile path)."""

    def __init__(self, spec: SandboxSpec):
        self.spec = spec
        self.env: dict[str, str] = {}
        self.image_user: str | int = ROOT_USER
        self.image_workdir = "/"
        self._tmp: Path | None = None
        self.id_base = allocate_range()
        """Host uid (and gid) of the sandbox's root; its uid n is host uid id_base + n."""
        self._live: set[subprocess.Popen[bytes]] = set()
        self._supervisor: Supervisor | None = None
        self._supervisor_lock = threading.Lock()

    # ------------------------------------------------------------------ lifecycle

    @property
    def root(self) -> Path:
        if self._tmp is None:
            raise SandboxError("the local sandbox is not started")
        return self._tmp / "root"

    @property
    def default_user(self) -> str | int:
        return self.image_user

    @property
    def default_workdir(self) -> str:
        return self.spec.workdir or self.image_workdir

    def start(self, spares: SparePool | None = None) -> None:
        """Make the sandbox and apply the task's Dockerfile; ``spares`` may hold a
        sandbox prepared ahead (adopted when its network setting matches), and starts
        making the next one in the background."""
        spare = spares.take(self.spec.network) if spares is not None else None
        if spare is None:
            self.prepare()
        else:  # never used: its folder, /etc and supervisor become this sandbox's
            self._tmp, self.id_base = spare._tmp, spare.id_base
            self._supervisor, spare._supervisor, spare._tmp = spare._supervisor, None, None
        if spares is not None:  # the next episode's, while this one builds
            spares.refill(self.spec.environment_dir, self.spec.network)
        try:
            from envbridge.bridges.harbor.backends.local_image import apply_environment

            apply_environment(self)
            self.exec(
                f"mkdir -p -- {_quote(self.default_workdir)}",
                user=ROOT_USER,
                cwd="/",
                timeout_s=30,
            )
        except BaseException:
            self.stop()
            raise

    def prepare(self) -> None:
        """The task-independent part of :meth:`start`: the folder, its ``/etc`` and the
        supervisor (started, not awaited)."""
        if bwrap_path() is None:
            raise SandboxError(
                "the local backend needs bubblewrap: apt-get install bubblewrap "
                "(or run scripts/system-deps.sh), or use --backend docker"
            )
        if os.geteuid() != 0:
            raise SandboxError(
                "the local backend maps each sandbox's users to unprivileged host uids, which "
                "needs root: run the server as root, or use --backend docker"
            )
        self._tmp = Path(tempfile.mkdtemp(prefix="envbridge-harbor-local-"))
        try:
            self._tmp.chmod(0o711)
            _check_reachable(self._tmp)
            self._make_skeleton()
            self._running_supervisor()
        except BaseException:
            self.stop()
            raise

    def _make_skeleton(self) -> None:
        root = self.root
        root.mkdir()
        for name in HOST_SYSTEM_DIRS:
            host = Path("/") / name
            if host.is_symlink():
                (root / name).symlink_to(os.readlink(host))
            elif host.is_dir():
                (root / name).mkdir()
        (root / "etc").mkdir()
        write_sandbox_etc(root / "etc")
        for name, mode in (
            ("tmp", 0o1777), ("var/tmp", 0o1777), ("home", 0o755), ("root", 0o700),
            ("run", 0o755), ("proc", 0o555), ("dev", 0o755), ("opt", 0o755),
            ("tests", 0o755), ("solution", 0o755),
            ("logs/agent", 0o777), ("logs/verifier", 0o777), ("logs/artifacts", 0o777),
        ):  # fmt: skip
            path = root / name
            path.mkdir(parents=True, exist_ok=True)
            path.chmod(mode)
        _give_to(root, self.id_base)

    def stop(self) -> None:
        folder = self.detach()
        if folder is not None:
            shutil.rmtree(folder, ignore_errors=True)

    def detach(self) -> Path | None:
        """Kill every process of the sandbox and hand over its folder (the caller
        removes it; None when there is none): :meth:`stop` without the removal."""
        with contextlib.suppress(SandboxError):  # the folder goes in any case
            self._kill_supervisor()
        for process in list(self._live):
            _kill_group(process)
        self._live.clear()
        folder, self._tmp = self._tmp, None
        return folder

    def stop_processes(self) -> None:
        """Every command ran in a PID namespace of its own that died with it; kill the
        sandbox's PID namespace (the supervisor and anything still running: the next
        command starts a new supervisor) and the process groups of commands that ran in
        a bubblewrap sandbox of their own, and check."""
        self._kill_supervisor()
        for process in list(self._live):
            _kill_group(process)
        if any(process.poll() is None for process in self._live):
            raise SandboxError("a sandbox command survived SIGKILL")
        self._live.clear()

    def _kill_supervisor(self) -> None:
        with self._supervisor_lock:
            supervisor, self._supervisor = self._supervisor, None
        if supervisor is not None and not supervisor.kill():
            raise SandboxError("the sandbox's processes survived SIGKILL")

    # ----------------------------------------------------------------- commands

    def exec(
        self,
        command: str,
        *,
        user: str | int | None = None,
        cwd: str | None = None,
        env: dict[str, str] | None = None,
        timeout_s: float = 60.0,
        output_limit: int = DEFAULT_OUTPUT_LIMIT,
    ) -> ExecResult:
        stdout, stderr, code, timed_out, truncated = self.run(
            ["bash", "-c", command],
            user=user,
            cwd=cwd,
            env=env,
            timeout_s=timeout_s,
            output_limit=output_limit,
        )
        return ExecResult(decode(stdout), decode(stderr), code, timed_out, truncated)

    def run(
        self,
        argv: list[str],
        *,
        user: str | int | None = None,
        cwd: str | None = None,
        env: dict[str, str] | None = None,
        timeout_s: float = 60.0,
        output_limit: int = DEFAULT_OUTPUT_LIMIT,
        binds: dict[Path, str] | None = None,
        stdin: StdinWriter | None = None,
    ) -> tuple[bytes, bytes, int | None, bool, bool]:
        """Run ``argv`` in the sandbox; (stdout, stderr, exit code, timed out, truncated).

        ``binds`` are host paths bound read-only (opened here, so the sandbox's root needs
        no right on their parents); ``stdin`` writes the command's standard input.
        """
        who = self.image_user if user is None else user
        uid, gid, home = self._lookup_user(who)
        full_env = {"PATH": DEFAULT_PATH, "HOME": home, "LANG": "C.UTF-8", **self.env}
        full_env.update(env or {})
        if isinstance(who, str):
            full_env.setdefault("USER", who)
        cwd = cwd or self.default_workdir
        if not binds:
            supervisor = self._running_supervisor()
            if supervisor is not None:
                request = {"op": "run", "argv": argv, "env": full_env, "cwd": cwd,
                           "uid": uid, "gid": gid, "caps": _task_cap_numbers()}  # fmt: skip
                return _supervised(supervisor, request, timeout_s, output_limit, stdin)
        fds = [os.open(self.root, os.O_PATH | os.O_DIRECTORY)]
        try:
            fds += [os.open(source, os.O_PATH) for source in (binds or {})]
            mounts = dict(zip(fds[1:], (binds or {}).values(), strict=True))
            command = self._bwrap(fds[0], cwd, full_env, mounts)
            if uid != 0:
                command += ["setpriv", f"--reuid={uid}", f"--regid={gid}", "--clear-groups"]
                command += ["--no-new-privs", "--"]
            process = popen_in_user_namespace(
                command + argv,
                self.id_base,
                stdin=subprocess.DEVNULL if stdin is None else subprocess.PIPE,
                stdout=subprocess.PIPE,
                stderr=subprocess.PIPE,
                start_new_session=True,
                pass_fds=fds,
            )
        except UserNamespaceError as exc:
            raise SandboxError(f"{exc}; the local backend needs user namespaces") from None
        finally:
            for fd in fds:
                os.close(fd)
        self._live.add(process)
        if stdin is not None:
            _feed(process, stdin)
        out = CappedReader(process.stdout, output_limit)  # type: ignore[arg-type]
        err = CappedReader(process.stderr, output_limit)  # type: ignore[arg-type]
        timed_out = False
        try:
            process.wait(timeout=max(timeout_s, 0.001))
        except subprocess.TimeoutExpired:
            timed_out = True
            _kill_group(process)
        finally:
            self._live.discard(process)
        code = None if timed_out else process.returncode
        return out.result(), err.result(), code, timed_out, out.truncated or err.truncated

    def _running_supervisor(self) -> Supervisor | None:
        """The sandbox's supervisor, started when there is none (None where the server's
        interpreter cannot run in the sandbox)."""
        with self._supervisor_lock:
            if self._supervisor is not None and self._supervisor.alive():
                return self._supervisor
            if self._supervisor is not None:
                self._supervisor.kill()
                self._supervisor = None
            python = python_in_sandbox()
            if python is None or self._tmp is None:
                return None
            self._supervisor = self._start_supervisor(python)
            return self._supervisor

    def _start_supervisor(self, interpreter: str) -> Supervisor:
        server_end, sandbox_end = supervisor_socket()
        info_read, info_write = os.pipe()
        fds = [os.open(self.root, os.O_PATH | os.O_DIRECTORY), sandbox_end.fileno()]
        fds += [source_pipe(), info_write]
        try:
            command = self._bwrap(fds[0], "/", {"PATH": DEFAULT_PATH}, {}, SUPERVISOR_CAPS)
            command.remove("--die-with-parent")  # it exits when the server's socket closes
            command[-1:-1] = ["--info-fd", str(info_write)]
            boot = Supervisor.boot_arguments(
                interpreter, str(self._tmp), fresh_proc(), self.supervisor_setns
            )
            boot = [arg.format(sock=fds[1], source=fds[2]) for arg in boot]
            process = popen_in_user_namespace(
                command + boot,
                self.id_base,
                stdin=subprocess.DEVNULL,
                stdout=subprocess.DEVNULL,
                stderr=subprocess.DEVNULL,
                start_new_session=True,
                pass_fds=fds,
            )
        except UserNamespaceError as exc:
            server_end.close()
            os.close(info_read)
            raise SandboxError(f"{exc}; the local backend needs user namespaces") from None
        finally:
            for fd in (fds[0], fds[2], info_write):
                os.close(fd)
            sandbox_end.close()
        return Supervisor.started(process, server_end, info_read)

    def _bwrap(
        self,
        root_fd: int,
        cwd: str,
        env: dict[str, str],
        binds: dict[int, str],
        extra_caps: tuple[str, ...] = (),
    ) -> list[str]:
        argv = ["bwrap", "--bind-fd", str(root_fd), "/"]
        for name in HOST_SYSTEM_DIRS:
            host = Path("/") / name
            if host.is_dir() and not host.is_symlink():
                argv += ["--ro-bind", str(host), f"/{name}"]
        for host_tree, inside in bound_trees():  # public, host-root-owned: read-only
            argv += ["--ro-bind", str(host_tree), inside]
        argv += [*proc_arguments(), "--dev", "/dev", "--tmpfs", "/run"]
        argv += ["--unshare-pid", "--unshare-ipc", "--unshare-uts", "--hostname", "sandbox"]
        if not self.spec.network:
            argv.append("--unshare-net")
        argv += ["--die-with-parent", "--new-session", "--cap-drop", "ALL"]
        for cap in (*TASK_CAPABILITIES, *extra_caps):
            argv += ["--cap-add", f"CAP_{cap}"]
        for fd, target in binds.items():
            argv += ["--ro-bind-fd", str(fd), target]
        argv.append("--clearenv")
        for key, value in env.items():
            argv += ["--setenv", key, value]
        return [*argv, "--chdir", cwd, "--"]

    def _lookup_user(self, user: str | int) -> tuple[int, int, str]:
        """(uid, gid, home) of ``user`` in the sandbox's own /etc/passwd."""
        entries = _passwd(_read_sandbox_file(self.root, "etc", "passwd"))
        for name, uid, gid, home in entries:
            if user in (name, uid) or (
                isinstance(user, str) and user.isdigit() and int(user) == uid
            ):
                return uid, gid, home
        if isinstance(user, int) or (isinstance(user, str) and user.isdigit()):
            return int(user), int(user), "/"
        raise SandboxError(
            f"user {user!r} does not exist in the sandbox: the task's Dockerfile must create "
            "it (RUN useradd ...) or [agent]/[verifier].user must name an existing user"
        )

    # ---------------------------------------------------------------- transfers

    def upload_dir(self, source: Path, target: str) -> None:
        """Stream ``source`` as a tar into ``target``, unpacked by the sandbox's root."""

        def send(pipe: IO[bytes]) -> None:
            with tarfile.open(fileobj=pipe, mode="w|") as tar:
                tar.add(source, arcname=".", filter=_sandbox_owned)

        _, stderr, code, timed_out, _ = self.run(
            ["bash", "-c", 'mkdir -p -- "$EB_TARGET" && tar -x --no-same-owner -C "$EB_TARGET"'],
            user=ROOT_USER,
            cwd="/",
            env={"EB_TARGET": target},
            timeout_s=120,
            stdin=send,
        )
        if code != 0 or timed_out:
            raise SandboxError(f"copy into the sandbox failed: {decode(stderr).strip()}")

    def write_file(self, path: str, data: bytes, *, user: str | int) -> ExecResult:
        stdout, stderr, code, timed_out, truncated = self.run(
            ["bash", "-c", WRITE_AS_USER],
            user=user,
            env={"EB_TARGET": path},
            timeout_s=60,
            output_limit=4096,
            stdin=lambda pipe: pipe.write(data),
        )
        return ExecResult(decode(stdout), decode(stderr), code, timed_out, truncated)

    def read_bytes(self, path: str, limit: int) -> bytes | None:
        stdout, stderr, code, _, _ = self.run(
            ["bash", "-c", f'test -f "$EB_TARGET" || exit {_MISSING_EXIT}; cat -- "$EB_TARGET"'],
            user=ROOT_USER,
            cwd="/",
            env={"EB_TARGET": path},
            timeout_s=60,
            output_limit=limit,
        )
        if code == _MISSING_EXIT:
            return None
        if code != 0:
            raise SandboxError(f"cannot read {path}: {decode(stderr).strip()}")
        return stdout


def proc_arguments() -> list[str]:
    """``--proc /proc`` (a fresh procfs of the sandbox's PID namespace) where the kernel
    allows it; inside a container that masks parts of /proc it does not (a user namespace
    may not mount a procfs less masked than the one it sees), so the container's /proc is
    bound instead: the sandbox then sees the container's process list (not its secrets:
    other uids' /proc entries stay closed). Probed once per process."""
    if not _proc_arguments:
        probe = ["bwrap", "--ro-bind", "/", "/", "--proc", "/proc", "--unshare-pid", "true"]
        try:
            fresh = (
                popen_in_user_namespace(
                    probe, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL
                ).wait(timeout=30)
                == 0
            )
        except (UserNamespaceError, OSError, subprocess.TimeoutExpired):
            fresh = False
        _proc_arguments.extend(["--proc", "/proc"] if fresh else ["--ro-bind", "/proc", "/proc"])
    return _proc_arguments


def fresh_proc() -> bool:
    """Whether sandboxes get a procfs of their own (see :func:`proc_arguments`)."""
    return proc_arguments()[0] == "--proc"


_CAP_NUMBERS = {"CHOWN": 0, "DAC_OVERRIDE": 1, "FOWNER": 3, "FSETID": 4, "KILL": 5,
                "SETGID": 6, "SETUID": 7, "NET_BIND_SERVICE": 10}  # fmt: skip


def _task_cap_numbers() -> list[int]:
    return sorted(_CAP_NUMBERS[name] for name in TASK_CAPABILITIES)


def _supervised(
    supervisor: Supervisor,
    request: dict[str, object],
    timeout_s: float,
    output_limit: int,
    stdin: StdinWriter | None,
) -> tuple[bytes, bytes, int | None, bool, bool]:
    """Run ``request`` through the supervisor with fresh pipes for its standard streams."""
    pipes = [os.pipe() for _ in range(3)]
    stdin_read, stdin_write = pipes[0]
    if stdin is None:  # like subprocess.DEVNULL
        os.close(stdin_write)
        os.close(stdin_read)
        stdin_read = os.open(os.devnull, os.O_RDONLY)
    out = CappedReader(os.fdopen(pipes[1][0], "rb", buffering=0), output_limit)
    err = CappedReader(os.fdopen(pipes[2][0], "rb", buffering=0), output_limit)
    try:
        if stdin is not None:
            _feed_pipe(os.fdopen(stdin_write, "wb"), stdin)
        try:
            code, timed_out = supervisor.run(
                request, (stdin_read, pipes[1][1], pipes[2][1]), timeout_s
            )
        except SupervisorGone as exc:
            raise SandboxError(f"{exc}: the sandbox was stopped") from None
    finally:
        for fd in (stdin_read, pipes[1][1], pipes[2][1]):
            os.close(fd)
    return out.result(), err.result(), code, timed_out, out.truncated or err.truncated


def _check_reachable(folder: Path) -> None:
    """The sandbox's root user (an unprivileged host uid) must be able to walk to it."""
    for parent in folder.parents:
        if not parent.stat().st_mode & 0o001:
            raise SandboxError(
                f"the sandbox folder {folder} is under {parent}, which other users cannot "
                "enter (mode o-x); the sandbox's users are unprivileged host uids: set TMPDIR "
                "to a folder they can reach, such as /tmp"
            )


def _give_to(root: Path, owner: int) -> None:
    """Make ``root`` (built here as host root) belong to host uid/gid ``owner``."""
    for folder, dirs, files in os.walk(root):
        os.lchown(folder, owner, owner)
        for name in (*dirs, *files):
            os.lchown(os.path.join(folder, name), owner, owner)


def _sandbox_owned(info: tarfile.TarInfo) -> tarfile.TarInfo:
    info.uid = info.gid = 0
    info.uname = info.gname = "root"
    return info


def _feed(process: subprocess.Popen[bytes], write: StdinWriter) -> None:
    """Write the process's stdin in a thread (it may read slowly, or not at all)."""
    assert process.stdin is not None
    _feed_pipe(process.stdin, write)


def _feed_pipe(pipe: IO[bytes], write: StdinWriter) -> None:
    """Write ``pipe`` in a thread, then close it."""

    def run() -> None:
        with contextlib.suppress(BrokenPipeError, OSError, ValueError, tarfile.TarError):
            write(pipe)
        with contextlib.suppress(BrokenPipeError, OSError):
            pipe.close()

    threading.Thread(target=run, daemon=True).start()


PASSWD_LIMIT = 1 << 20


def _read_sandbox_file(root: Path, *names: str) -> str:
    """Read ``root/names...`` as host root without following anything the sandbox's root
    may have planted: no symlink at any step, a regular file only, at most 1 MiB."""
    fds = [os.open(root, os.O_RDONLY | os.O_DIRECTORY | os.O_NOFOLLOW)]
    try:
        for index, name in enumerate(names):
            last = index == len(names) - 1
            flags = os.O_NOFOLLOW | (os.O_NONBLOCK if last else os.O_DIRECTORY)
            fds.append(os.open(name, os.O_RDONLY | flags, dir_fd=fds[-1]))
        if not stat.S_ISREG(os.fstat(fds[-1]).st_mode):
            raise OSError(f"/{'/'.join(names)} is not a regular file")
        return os.read(fds[-1], PASSWD_LIMIT).decode("utf-8", errors="replace")
    except OSError as exc:
        raise SandboxError(
            f"cannot read the sandbox's /{'/'.join(names)} ({exc}); something in the sandbox "
            "replaced it"
        ) from None
    finally:
        for fd in fds:
            os.close(fd)


def _passwd(text: str) -> list[tuple[str, int, int, str]]:
    entries = []
    for line in text.splitlines():
        parts = line.split(":")
        if len(parts) >= 6 and parts[2].isdigit() and parts[3].isdigit():
            entries.append((parts[0], int(parts[2]), int(parts[3]), parts[5] or "/"))
    return entries


def _kill_group(process: subprocess.Popen[bytes]) -> None:
    with contextlib.suppress(ProcessLookupError, PermissionError):
        os.killpg(process.pid, signal.SIGKILL)
    with contextlib.suppress(subprocess.TimeoutExpired):
        process.wait(timeout=10)


def _quote(text: str) -> str:
    return "'" + text.replace("'", "'\"'\"'") + "'"
