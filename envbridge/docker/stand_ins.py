"""Local stand-ins for the base images public tasks use, built offline from what is here.

No registry is reachable, so ``FROM python:3.12-slim`` cannot be pulled. A stand-in is
built on the offline Debian base (``envbridge/base:py3``):

- ``python:3.X[-slim[-bookworm]]``: the host's own CPython 3.X (a pyenv-style install,
  never a download) copied to ``/usr/local`` with ``pip``, like the official image: the
  first ``python3``/``pip`` on PATH, no PEP 668 block;
- ``debian:bookworm[-slim]`` / ``debian:12``: the Debian base itself;
- ``ubuntu:22.04`` / ``ubuntu:24.04``: **a Debian bookworm stand-in**, labelled so
  (package names and versions differ from Ubuntu's; lint says so).

Each stand-in is built once per machine (a lock file and the tag make it idempotent).
"""

from __future__ import annotations

import io
import re
import subprocess
import tarfile
from dataclasses import dataclass
from pathlib import Path

from envbridge.docker.base_image import DEFAULT_BASE_TAG, _build_lock, ensure_base_image
from envbridge.docker.engine import docker_client, image_exists
from envbridge.docker.errors import DockerPackagingError
from envbridge.docker.progress import Progress, print_progress
from envbridge.docker.python_copy import find_host_python, python_tree

STAND_IN_REPOSITORY = "envbridge/stand-in"
STAND_IN_OF_LABEL = "org.envbridge.stand-in-of"
KIND_LABEL = "org.envbridge.stand-in-kind"
PYTHON_VERSIONS = ("3.11", "3.12", "3.13")
"""Python versions ``envbridge base-image --stand-ins`` builds by default."""

_LIBRARY = r"^(?:docker\.io/)?(?:library/)?"
_PYTHON = re.compile(_LIBRARY + r"python:(3\.\d+)(?:\.\d+)?(-slim)?(-bookworm)?$")
_DEBIAN = re.compile(_LIBRARY + r"debian:(bookworm(-slim)?|12(\.\d+)?(-slim)?)$")
_UBUNTU = re.compile(_LIBRARY + r"ubuntu:(22\.04|24\.04|jammy|noble)$")


@dataclass(frozen=True, slots=True)
class StandIn:
    """What replaces one public base image, and how honest a replacement it is."""

    image: str
    tag: str
    kind: str
    """``cpython`` (a real CPython of that version), ``debian`` (the same distribution),
    or ``debian-for-ubuntu`` (a different distribution standing in)."""
    python: str | None = None

    @property
    def faithful(self) -> bool:
        """False when the stand-in is another distribution than the image it replaces."""
        return self.kind != "debian-for-ubuntu"

    def describe(self) -> str:
        what = {
            "cpython": f"Debian bookworm with the host's CPython {self.python} in /usr/local",
            "debian": "the offline Debian bookworm base",
            "debian-for-ubuntu": "a Debian bookworm stand-in, NOT Ubuntu (apt package names "
            "and versions can differ)",
        }[self.kind]
        return f"{self.tag} ({what})"


def stand_in_for(image: str) -> StandIn | None:
    """The stand-in for public base ``image``, or None when there is none."""
    if match := _PYTHON.match(image):
        version = match.group(1)
        return StandIn(image, f"{STAND_IN_REPOSITORY}:python{version}-slim", "cpython", version)
    if _DEBIAN.match(image):
        return StandIn(image, f"{STAND_IN_REPOSITORY}:debian-bookworm", "debian")
    if match := _UBUNTU.match(image):
        release = {"jammy": "22.04", "noble": "24.04"}.get(match.group(1), match.group(1))
        return StandIn(image, f"{STAND_IN_REPOSITORY}:ubuntu-{release}", "debian-for-ubuntu")
    return None


def default_stand_ins() -> list[StandIn]:
    """The stand-ins ``envbridge base-image --stand-ins`` builds."""
    names = [f"python:{version}-slim" for version in PYTHON_VERSIONS]
    names += ["debian:bookworm-slim", "ubuntu:22.04", "ubuntu:24.04"]
    return [stand_in for name in names if (stand_in := stand_in_for(name)) is not None]


def ensure_stand_in(
    stand_in: StandIn,
    *,
    base: str = DEFAULT_BASE_TAG,
    force: bool = False,
    progress: Progress = print_progress,
) -> str:
    """Build ``stand_in`` unless its tag exists; return the tag."""
    client = docker_client()
    try:
        if not force and image_exists(client, stand_in.tag):
            return stand_in.tag
        ensure_base_image(base, progress=progress)
        with _build_lock(stand_in.tag):
            if not force and image_exists(client, stand_in.tag):
                return stand_in.tag
            progress(f"base-image: building {stand_in.describe()} for {stand_in.image}")
            context = _context(stand_in, base)
            _build(client, context, stand_in.tag)
    finally:
        client.close()
    progress(f"base-image: {stand_in.tag} ready")
    return stand_in.tag


def _context(stand_in: StandIn, base: str) -> bytes:
    labels = f'{STAND_IN_OF_LABEL}="{stand_in.image}" {KIND_LABEL}="{stand_in.kind}"'
    lines = [f"FROM {base}"]
    files: dict[str, bytes] = {}
    if stand_in.python is not None:
        python = find_host_python(stand_in.python)
        files["python.tar"] = python_tree(python, primary=True)
        version = _full_version(python)
        lines += [
            "ADD python.tar /usr/local/",
            "RUN ldconfig && python3 -c 'import ssl, sqlite3, ctypes, zlib, lzma, bz2' "
            "&& pip --version",
            "ENV PATH=/usr/local/bin:/usr/local/sbin:/usr/sbin:/usr/bin:/sbin:/bin "
            f"LANG=C.UTF-8 PYTHON_VERSION={version}",
            'CMD ["python3"]',
        ]
    lines.append(f"LABEL {labels}")
    files["Dockerfile"] = ("\n".join(lines) + "\n").encode()
    buffer = io.BytesIO()
    with tarfile.open(fileobj=buffer, mode="w") as tar:
        for name, data in files.items():
            info = tarfile.TarInfo(name)
            info.size = len(data)
            tar.addfile(info, io.BytesIO(data))
    return buffer.getvalue()


def _full_version(python: Path) -> str:
    out = subprocess.run(
        [str(python), "-c", "import platform; print(platform.python_version())"],
        capture_output=True,
        text=True,
        check=True,
    )
    return out.stdout.strip()


def _build(client, context: bytes, tag: str) -> None:
    log: list[str] = []
    for chunk in client.api.build(
        fileobj=io.BytesIO(context),
        custom_context=True,
        tag=tag,
        rm=True,
        forcerm=True,
        pull=False,
        network_mode="none",
        decode=True,
    ):
        if "stream" in chunk:
            log.append(chunk["stream"])
        if "error" in chunk:
            raise DockerPackagingError(
                f"building the stand-in {tag} failed: {chunk['error'].strip()}\n"
                + "".join(log)[-1500:]
            )
