"""The offline base image: Debian's own Python, bootstrapped locally, no registry needed.

``debootstrap`` installs a minimal Debian into a folder using the mirror apt already
reaches, the folder is trimmed and ``docker import``-ed under a tag. The result is
cached: when the tag exists nothing is rebuilt unless ``force`` is given.
"""

from __future__ import annotations

import fcntl
import os
import shutil
import subprocess
import tempfile
from collections import deque
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from envbridge.docker.debian import debian_mirror
from envbridge.docker.engine import docker_client, image_exists
from envbridge.docker.errors import DockerPackagingError
from envbridge.docker.progress import Progress, print_progress

DEFAULT_BASE_TAG = "envbridge/base:py3"
DEFAULT_SUITE = "bookworm"
BASE_PACKAGES = ("bash", "coreutils", "python3", "python3-venv", "python3-pytest")
"""bash/coreutils/pytest let harbor task scripts and their tests run in the image too."""

BASE_LABEL = "org.envbridge.base-image"
PYTHON_LABEL = "org.envbridge.python"
SUITE_LABEL = "org.envbridge.debian-suite"

_TRIMMED = (
    "var/cache/apt/archives",
    "var/lib/apt/lists",
    "usr/share/doc",
    "usr/share/man",
    "usr/share/info",
    "usr/share/locale",
)
"""Folders whose contents a container never needs (apt caches, documentation)."""


def ensure_base_image(
    tag: str = DEFAULT_BASE_TAG,
    *,
    suite: str = DEFAULT_SUITE,
    mirror: str | None = None,
    packages: tuple[str, ...] = BASE_PACKAGES,
    force: bool = False,
    progress: Progress = print_progress,
) -> str:
    """Build the base image ``tag`` unless it already exists; return the tag.

    Safe to call from several processes at once: a lock file serialises builds.
    """
    client = docker_client()
    with _build_lock(tag):
        if not force and image_exists(client, tag):
            progress(f"base-image: {tag} exists; nothing to do (--force rebuilds it)")
            return tag
        _check_can_bootstrap()
        mirror = mirror or debian_mirror(suite)
        workdir = Path(tempfile.mkdtemp(prefix="envbridge-base-"))
        try:
            rootfs = workdir / "rootfs"
            _debootstrap(rootfs, suite, mirror, packages, progress)
            _trim(rootfs)
            python = _python_version(rootfs)
            tarball = workdir / "rootfs.tar"
            progress(f"base-image: packing the root filesystem (Python {python})")
            _run(["tar", "--numeric-owner", "-C", str(rootfs), "-cf", str(tarball), "."])
            size_mb = tarball.stat().st_size / 1e6
            progress(f"base-image: importing {size_mb:.0f} MB into Docker as {tag}")
            from docker.utils import parse_repository_tag

            repository, version = parse_repository_tag(tag)
            client.api.import_image_from_file(
                str(tarball),
                repository=repository,
                tag=version or "latest",
                changes=_image_config(python, suite),
            )
        finally:
            _remove_rootfs(workdir)
    if not image_exists(client, tag):
        raise DockerPackagingError(f"docker import reported success but {tag} is missing")
    progress(f"base-image: {tag} ready")
    return tag


def _image_config(python: str, suite: str) -> list[str]:
    return [
        "ENV PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin",
        "ENV LANG=C.UTF-8",
        f"LABEL {BASE_LABEL}=1 {PYTHON_LABEL}={python} {SUITE_LABEL}={suite}",
        'CMD ["/bin/bash"]',
    ]


@contextmanager
def _build_lock(tag: str) -> Iterator[None]:
    safe = "".join(ch if ch.isalnum() else "-" for ch in tag)
    # One machine-wide place (not TMPDIR, which differs per process): concurrent builds
    # of one tag from any process wait for each other.
    folder = Path("/var/lock") if os.access("/var/lock", os.W_OK) else Path("/tmp")
    path = folder / f"envbridge-base-image-{safe}.lock"
    with path.open("w") as handle:
        fcntl.flock(handle, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)


def _check_can_bootstrap() -> None:
    if shutil.which("debootstrap") is None:
        raise DockerPackagingError(
            "debootstrap is not installed: run scripts/system-deps.sh "
            "(or apt-get install debootstrap), or build on a base that can be pulled "
            "with --base python:3.11-slim"
        )
    if os.geteuid() != 0:
        raise DockerPackagingError(
            "debootstrap needs root to build the base image: run 'envbridge base-image' "
            "as root once (the image is cached), or use --base python:3.11-slim"
        )


def _debootstrap(
    rootfs: Path, suite: str, mirror: str, packages: tuple[str, ...], progress: Progress
) -> None:
    progress(f"base-image: debootstrap {suite} from {mirror} (+ {', '.join(packages)})")
    command = [
        "debootstrap",
        "--variant=minbase",
        f"--include={','.join(packages)}",
        suite,
        str(rootfs),
        mirror,
    ]
    process = subprocess.Popen(
        command, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, bufsize=1
    )
    assert process.stdout is not None
    tail: deque[str] = deque(maxlen=20)
    phases = _PhaseReporter(progress)
    for line in process.stdout:
        tail.append(line.rstrip())
        phases.feed(line.rstrip())
    if process.wait() != 0:
        raise DockerPackagingError(
            f"debootstrap failed (exit {process.returncode}); is {mirror} reachable? "
            "Set ENVBRIDGE_DEBIAN_MIRROR or --mirror to another mirror. Last output:\n"
            + "\n".join(tail)
        )
    phases.finish()


class _PhaseReporter:
    """Condenses debootstrap's per-package lines into one line per phase."""

    def __init__(self, progress: Progress):
        self._progress = progress
        self._phase = ""
        self._count = 0

    def feed(self, line: str) -> None:
        if not line.startswith("I: "):
            return
        verb = line[3:].split(" ", 1)[0]
        phase = "Retrieving" if verb == "Validating" else verb
        if phase == self._phase:
            self._count += verb != "Validating"
            return
        self.finish()
        self._phase, self._count = phase, 1
        self._progress(f"base-image:   {line[3:]}")

    def finish(self) -> None:
        if self._count > 1:
            self._progress(f"base-image:   ... {self._phase.lower()} {self._count} items")
        self._count = 0


def _trim(rootfs: Path) -> None:
    for relative in _TRIMMED:
        folder = rootfs / relative
        if not folder.is_dir():
            continue
        for entry in folder.iterdir():
            if entry.is_dir() and not entry.is_symlink():
                shutil.rmtree(entry)
            else:
                entry.unlink()
    (rootfs / "var/lib/apt/lists/partial").mkdir(parents=True, exist_ok=True)


def _python_version(rootfs: Path) -> str:
    """``3.11`` from the ``usr/bin/python3 -> python3.11`` link Debian installs."""
    link = rootfs / "usr/bin/python3"
    if not link.is_symlink():
        raise DockerPackagingError(f"python3 is missing from the bootstrapped system ({link})")
    return os.readlink(link).removeprefix("python")


def _remove_rootfs(workdir: Path) -> None:
    """Unmount anything debootstrap left mounted below ``workdir``, then delete it."""
    mounts = Path("/proc/self/mounts").read_text().splitlines()
    inside = [line.split()[1] for line in mounts if line.split()[1].startswith(str(workdir))]
    for mount_point in sorted(inside, reverse=True):
        subprocess.run(["umount", "-l", mount_point], check=False)
    shutil.rmtree(workdir, ignore_errors=True)


def _run(command: list[str]) -> None:
    result = subprocess.run(command, capture_output=True, text=True)
    if result.returncode != 0:
        raise DockerPackagingError(f"{' '.join(command)} failed: {result.stderr.strip()}")
