"""A host CPython, trimmed and packed to live in an image's ``/usr/local``.

Used for the ``python:3.X-slim`` stand-ins and for the Pythons an air-gapped verifier's
``uvx -p 3.X`` asks for: never a download, always an interpreter this machine already
has (pyenv's ``~/.pyenv/versions/3.X.Y``, or ``/usr/local``). The copy keeps the standard
library, the shared libpython, the headers and ``pip``; it drops the test suite, IDLE,
tkinter, the static library and every other installed package.
"""

from __future__ import annotations

import io
import os
import shutil
import subprocess
import tarfile
from pathlib import Path

from envbridge.docker.errors import DockerPackagingError

_DROPPED = {"test", "idlelib", "tkinter", "turtledemo", "__pycache__", "lib2to3"}
"""Standard-library folders a container does not need."""

_PIP_SCRIPT = """#!/usr/local/bin/python{version}
import sys
from pip._internal.cli.main import main
sys.exit(main())
"""


def _candidates(version: str) -> list[Path]:
    roots = [Path(os.environ.get("PYENV_ROOT", Path.home() / ".pyenv")) / "versions"]
    found = [
        path / "bin" / f"python{version}"
        for root in roots
        if root.is_dir()
        for path in sorted(root.glob(f"{version}.*"), reverse=True)
    ]
    found += [Path(f"/usr/local/bin/python{version}")]
    if which := shutil.which(f"python{version}"):
        found.append(Path(which))
    return found


def find_host_python(version: str) -> Path:
    """A working host interpreter ``python{version}`` outside Debian's /usr (PEP 668)."""
    for candidate in _candidates(version):
        if not candidate.is_file():
            continue
        probe = subprocess.run(
            [str(candidate), "-c", "import sys, pip; print(sys.prefix)"],
            capture_output=True,
            text=True,
        )
        if probe.returncode == 0 and not probe.stdout.strip().startswith("/usr/lib"):
            return candidate
    raise DockerPackagingError(
        f"no host CPython {version} with pip was found (looked in "
        f"{', '.join(str(c) for c in _candidates(version))}); install one (pyenv install "
        f"{version}) to build the python:{version} stand-in, or map the image yourself "
        "with --base-image"
    )


def _prefix(python: Path) -> Path:
    out = subprocess.run(
        [str(python), "-c", "import sys; print(sys.prefix)"], capture_output=True, text=True
    )
    return Path(out.stdout.strip())


def python_tree(python: Path, *, primary: bool) -> bytes:
    """A tar (paths relative to ``/usr/local``) of ``python``'s installation.

    ``primary`` adds the unversioned names (``python3``, ``python``, ``pip``, ``pip3``),
    as the official image has; without it only ``python3.X`` and ``pip3.X`` are added, so
    the copy can sit next to another Python.
    """
    prefix = _prefix(python)
    version = python.name.removeprefix("python")
    stdlib = prefix / "lib" / f"python{version}"
    buffer = io.BytesIO()
    with tarfile.open(fileobj=buffer, mode="w") as tar:

        def add(path: Path, arcname: str) -> None:
            tar.add(path, arcname=arcname, recursive=False, filter=_root_owned)

        add(python.resolve(), f"bin/python{version}")
        for library in sorted((prefix / "lib").glob(f"libpython{version}*.so*")):
            add(library, f"lib/{library.name}")
        for path in _stdlib_files(stdlib):
            add(path, f"lib/python{version}/{path.relative_to(stdlib)}")
        include = prefix / "include" / f"python{version}"
        for path in sorted(include.rglob("*")) if include.is_dir() else []:
            add(path, f"include/python{version}/{path.relative_to(include)}")
        names = [f"pip{version}"] + (["pip", "pip3"] if primary else [])
        for name in names:
            _add_text(tar, f"bin/{name}", _PIP_SCRIPT.format(version=version), 0o755)
        if primary:
            for name in ("python3", "python"):
                _add_link(tar, f"bin/{name}", f"python{version}")
    return buffer.getvalue()


def _stdlib_files(stdlib: Path) -> list[Path]:
    """The standard library, plus only pip from site-packages."""
    kept = []
    for path in sorted(stdlib.rglob("*")):
        parts = path.relative_to(stdlib).parts
        if _DROPPED & set(parts) or path.suffix == ".a":
            continue
        if parts[0] == "site-packages" and len(parts) > 1 and not parts[1].startswith("pip"):
            continue
        kept.append(path)
    return kept


def _add_text(tar: tarfile.TarFile, name: str, text: str, mode: int) -> None:
    data = text.encode()
    info = tarfile.TarInfo(name)
    info.size, info.mode = len(data), mode
    tar.addfile(info, io.BytesIO(data))


def _add_link(tar: tarfile.TarFile, name: str, target: str) -> None:
    info = tarfile.TarInfo(name)
    info.type, info.linkname = tarfile.SYMTYPE, target
    tar.addfile(info)


def _root_owned(info: tarfile.TarInfo) -> tarfile.TarInfo:
    info.uid = info.gid = 0
    info.uname = info.gname = "root"
    return info
