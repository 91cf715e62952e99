"""A local wheelhouse: every wheel an image needs, built on the host, installed offline.

Images never reach a package index: ``pip wheel`` runs here (where PyPI or pip's cache
is available), the folder is copied into the build context, and the image installs
with ``pip install --no-index --find-links``. Wheels are checked against the image's
Python so a mismatch fails on the host with a clear message, not inside the build.
"""

from __future__ import annotations

import shutil
import subprocess
import sys
import tempfile
import tomllib
from collections import deque
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING

import envbridge
from envbridge.docker.errors import DockerPackagingError
from envbridge.docker.progress import Progress, print_progress

if TYPE_CHECKING:
    from packaging.tags import Tag


def envbridge_source_root() -> Path:
    """The source tree envbridge is installed from (an editable install)."""
    root = Path(envbridge.__file__).resolve().parent.parent
    pyproject = root / "pyproject.toml"
    if not pyproject.is_file() or 'name = "envbridge"' not in pyproject.read_text():
        raise DockerPackagingError(
            "building an image needs envbridge's source tree (pip install -e /path/to/envbridge); "
            f"none found next to {Path(envbridge.__file__).parent}"
        )
    return root


def copy_project_sources(root: Path, dest: Path) -> Path:
    """Copy only what a wheel is built from, so stale build/ folders never leak in."""
    config = tomllib.loads((root / "pyproject.toml").read_text())
    folders = set(config["tool"]["setuptools"]["package-dir"].values())
    ignore = shutil.ignore_patterns("__pycache__", "*.pyc")
    for folder in sorted(folders):
        shutil.copytree(root / folder, dest / folder, ignore=ignore)
    for name in ("pyproject.toml", "README.md", "LICENSE"):
        if (root / name).is_file():
            shutil.copy2(root / name, dest / name)
    return dest


def build_wheelhouse(
    dest: Path,
    extras: Sequence[str] = (),
    requirements: Sequence[str] = (),
    progress: Progress = print_progress,
) -> list[Path]:
    """Write wheels for ``envbridge[extras]`` plus ``requirements`` into ``dest``."""
    dest.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(prefix="envbridge-docker-src-") as scratch:
        source = copy_project_sources(envbridge_source_root(), Path(scratch) / "envbridge")
        spec = f"{source}[{','.join(extras)}]" if extras else str(source)
        progress(f"wheelhouse: pip wheel envbridge[{','.join(extras)}] {' '.join(requirements)}")
        command = [sys.executable, "-m", "pip", "wheel", "--wheel-dir", str(dest)]
        _run_pip([*command, spec, *requirements], progress)
    wheels = sorted(dest.glob("*.whl"))
    progress(
        f"wheelhouse: {len(wheels)} wheels, {sum(w.stat().st_size for w in wheels) / 1e6:.0f} MB"
    )
    return wheels


def _run_pip(command: list[str], progress: Progress) -> None:
    process = subprocess.Popen(
        command, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, bufsize=1
    )
    assert process.stdout is not None
    tail: deque[str] = deque(maxlen=25)
    for line in process.stdout:
        tail.append(line.rstrip())
        if line.startswith("Saved ") or line.startswith("Building wheel"):
            progress(f"wheelhouse:   {line.strip()}")
    if process.wait() != 0:
        raise DockerPackagingError(
            "pip wheel failed; the wheelhouse is built on the host, so the host needs PyPI "
            "or pip's cache for these packages. Last output:\n" + "\n".join(tail)
        )


def supported_tags(python: str) -> set[Tag]:
    """Wheel tags a CPython ``python`` (``"3.11"``) on this host's platform accepts."""
    from packaging.tags import compatible_tags, cpython_tags, platform_tags

    version = tuple(int(part) for part in python.split(".")[:2])
    platforms = list(platform_tags())
    return set(cpython_tags(version, platforms=platforms)) | set(
        compatible_tags(version, platforms=platforms)
    )


def check_wheels_fit(wheels: Sequence[Path], python: str) -> None:
    """Raise when a wheel cannot install on the image's Python ``python``."""
    from packaging.utils import parse_wheel_filename

    accepted = supported_tags(python)
    misfits = [w.name for w in wheels if not parse_wheel_filename(w.name)[3] & accepted]
    if misfits:
        host = f"{sys.version_info.major}.{sys.version_info.minor}"
        raise DockerPackagingError(
            f"wheels built with the host's Python {host} do not fit the image's Python "
            f"{python}: {', '.join(misfits)}. Run envbridge with a Python {python} "
            f"(python{python} -m envbridge build ...) or choose a --base image whose "
            f"python3 is {host}"
        )
