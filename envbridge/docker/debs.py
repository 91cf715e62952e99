"""Debian packages for an image, downloaded on the host like the wheelhouse.

The build runs without a network, so a package an image needs beyond the base (the
harbor bridge's ``bubblewrap``) is fetched here with ``apt-get download`` and unpacked
into the image by ``dpkg-deb -x``. Host and base are the same Debian release.
"""

from __future__ import annotations

import shutil
import subprocess
from collections.abc import Sequence
from pathlib import Path

from envbridge.docker.errors import DockerPackagingError
from envbridge.docker.progress import Progress


def download_debs(packages: Sequence[str], dest: Path, progress: Progress) -> list[Path]:
    """Download ``packages`` (no dependencies) as .deb files into ``dest``."""
    dest.mkdir(parents=True, exist_ok=True)
    if not packages:
        return []
    if shutil.which("apt-get") is None:
        raise DockerPackagingError(
            f"the image needs the Debian packages {', '.join(packages)}, which are fetched "
            "with apt-get download on the host; run the build on a Debian host"
        )
    progress(f"debs: apt-get download {' '.join(packages)}")
    result = subprocess.run(
        ["apt-get", "download", "-q", *packages], cwd=dest, capture_output=True, text=True
    )
    debs = sorted(dest.glob("*.deb"))
    if result.returncode != 0 or len(debs) < len(packages):
        raise DockerPackagingError(
            f"apt-get download {' '.join(packages)} failed; run apt-get update (or "
            f"scripts/system-deps.sh) and retry: {result.stderr.strip()}"
        )
    return debs
