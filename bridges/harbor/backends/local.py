"""The local backend: one bubblewrap mount namespace per command, no Docker.

Each episode owns a host folder that becomes ``/`` inside the sandbox; the host's
``/usr`` (and ``/bin``, ``/lib``... ) is bound read-only over it as the image's ``FROM``,
``/etc`` is a private copy (so ``RUN useradd`` works), and ``/app``, ``/logs``, ``/tests``,
``/tmp`` are the episode's own. Every command runs in a fresh PID namespace in its own
process group, killed as a whole on timeout. A convenience, not a security boundary:
same kernel, host userland, and root inside keeps Docker's default capabilities.
"""

from __future__ import annotations

import contextlib
import os
import shutil
import signal
import subprocess
import tempfile
from pathlib import Path

from envbridge.bridges.harbor.backends.base import (
    DEFAULT_OUTPUT_LIMIT,
    ROOT_USER,
    CappedReader,
    ExecResult,
    Sandbox,
    SandboxError,
    SandboxSpec,
    decode,
)

HOST_SYSTEM_DIRS = ("usr", "bin", "sbin", "lib", "lib32", "lib64", "libx32")
"""Host folders that stand in for the image's base (bound read-only)."""

DEFAULT_PATH = "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"
DOCKER_DEFAULT_CAPS = (
    "CHOWN", "DAC_OVERRIDE", "FSETID", "FOWNER", "MKNOD", "NET_RAW", "SETGID", "SETUID",
    "SETFCAP", "SETPCAP", "NET_BIND_SERVICE", "SYS_CHROOT", "KILL", "AUDIT_WRITE",
)  # fmt: skip
"""Root inside the sandbox keeps what root in a default Docker container keeps."""

STAGE_DIR = "/.envbridge-stage"
STAGE_FILE = "/.envbridge-stage-file"
"""Where host files are bound (read-only) while a root command copies them in."""

_MISSING_EXIT = 44


def bwrap_path() -> str | None:
    """The bubblewrap executable, if installed."""
    return shutil.which("bwrap")


class LocalSandbox(Sandbox):
    """A sandbox made of a host folder, bubblewrap and the host userland."""

    backend_name = "local"

    def __init__(self, spec: SandboxSpec):
        self.spec = spec
        self.env: dict[str, str] = {}
        self.image_user: str | int = ROOT_USER
        self.image_workdir = "/"
        self._tmp: Path | None = None
        self._etc: Path | None = None
        self._live: set[subprocess.Popen[bytes]] = set()

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

    def start(self) -> None:
        if bwrap_path() is None:
            raise SandboxError(
                "the local backend needs bubblewrap: apt-get install bubblewrap "
                "(or run scripts/system-deps.sh), or use --backend docker"
            )
        self._tmp = Path(tempfile.mkdtemp(prefix="envbridge-harbor-local-"))
        try:
            self._make_skeleton()
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
        self._etc = Path(tempfile.mkdtemp(prefix="envbridge-harbor-local-etc-", dir=_fast_tmp()))
        with contextlib.suppress(shutil.Error):
            shutil.copytree("/etc", self._etc / "etc", symlinks=True)
        for name, mode in (
            ("tmp", 0o1777), ("var/tmp", 0o1777), ("home", 0o755), ("root", 0o700),
            ("run", 0o755), ("proc", 0o555), ("dev", 0o755), ("opt", 0o755),
            ("tests", 0o755), ("solution", 0o755),
            ("logs/agent", 0o777), ("logs/verifier", 0o777), ("logs/artifacts", 0o777),
        ):  # fmt: skip
            path = root / name
            path.mkdir(parents=True, exist_ok=True)
            path.chmod(mode)

    def stop(self) -> None:
        for process in list(self._live):
            _kill_group(process)
        self._live.clear()
        for attribute in ("_tmp", "_etc"):
            folder = getattr(self, attribute)
            if folder is not None:
                shutil.rmtree(folder, ignore_errors=True)
                setattr(self, attribute, None)

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
    ) -> tuple[bytes, bytes, int | None, bool, bool]:
        """Run ``argv`` in the sandbox; (stdout, stderr, exit code, timed out, truncated)."""
        who = self.image_user if user is None else user
        uid, gid, home = self._lookup_user(who)
        full_env = {"PATH": DEFAULT_PATH, "HOME": home, "LANG": "C.UTF-8", **self.env}
        full_env.update(env or {})
        if isinstance(who, str):
            full_env.setdefault("USER", who)
        command = self._bwrap(cwd or self.default_workdir, full_env, binds or {})
        if uid != 0:
            command += ["setpriv", f"--reuid={uid}", f"--regid={gid}", "--clear-groups"]
            command += ["--no-new-privs", "--"]
        process = subprocess.Popen(
            command + argv,
            stdin=subprocess.DEVNULL,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            start_new_session=True,
        )
        self._live.add(process)
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

    def _bwrap(self, cwd: str, env: dict[str, str], binds: dict[Path, str]) -> list[str]:
        argv = ["bwrap", "--bind", str(self.root), "/"]
        for name in HOST_SYSTEM_DIRS:
            host = Path("/") / name
            if host.is_dir() and not host.is_symlink():
                argv += ["--ro-bind", str(host), f"/{name}"]
        argv += ["--bind", str(self._etc / "etc"), "/etc"]
        argv += ["--proc", "/proc", "--dev", "/dev", "--tmpfs", "/run"]
        argv += ["--unshare-pid", "--unshare-ipc", "--unshare-uts", "--hostname", "sandbox"]
        if not self.spec.network:
            argv.append("--unshare-net")
        argv += ["--die-with-parent", "--new-session", "--cap-drop", "ALL"]
        for cap in DOCKER_DEFAULT_CAPS:
            argv += ["--cap-add", f"CAP_{cap}"]
        for source, target in binds.items():
            argv += ["--ro-bind", str(source), target]
        argv.append("--clearenv")
        for key, value in env.items():
            argv += ["--setenv", key, value]
        return [*argv, "--chdir", cwd, "--"]

    def _lookup_user(self, user: str | int) -> tuple[int, int, str]:
        """(uid, gid, home) of ``user`` in the sandbox's own /etc/passwd."""
        assert self._etc is not None
        entries = _passwd(self._etc / "etc" / "passwd")
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
        self._root_command(
            'mkdir -p -- "$EB_TARGET" && cp -R --preserve=mode -- "$EB_STAGE"/. "$EB_TARGET"/',
            {"EB_TARGET": target, "EB_STAGE": STAGE_DIR},
            {Path(source): STAGE_DIR},
        )

    def write_bytes(self, path: str, data: bytes) -> None:
        assert self._tmp is not None
        staged = Path(tempfile.mkstemp(dir=self._tmp, prefix="upload-")[1])
        try:
            staged.write_bytes(data)
            staged.chmod(0o644)
            self._root_command(
                'mkdir -p -- "$(dirname -- "$EB_TARGET")" && cp -- "$EB_STAGE" "$EB_TARGET"',
                {"EB_TARGET": path, "EB_STAGE": STAGE_FILE},
                {staged: STAGE_FILE},
            )
        finally:
            staged.unlink(missing_ok=True)

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

    def _root_command(self, script: str, env: dict[str, str], binds: dict[Path, str]) -> None:
        _, stderr, code, timed_out, _ = self.run(
            ["bash", "-c", script], user=ROOT_USER, cwd="/", env=env, timeout_s=120, binds=binds
        )
        if code != 0 or timed_out:
            raise SandboxError(f"copy into the sandbox failed: {decode(stderr).strip()}")


def _fast_tmp() -> str | None:
    """Where the private /etc copy goes: ``$ENVBRIDGE_HARBOR_ETC_DIR``, else /dev/shm (it is
    many small files and tmpfs is fast), else the temporary directory."""
    chosen = os.environ.get("ENVBRIDGE_HARBOR_ETC_DIR", "/dev/shm")
    return chosen if os.access(chosen, os.W_OK) else None


def _passwd(path: Path) -> list[tuple[str, int, int, str]]:
    entries = []
    for line in path.read_text(encoding="utf-8", errors="replace").splitlines():
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
