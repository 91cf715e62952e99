"""Air-gapped verifiers: what TB2-style ``test.sh`` downloads at run time, provided offline.

Terminal-Bench 2 tests typically run ``curl -LsSf https://astral.sh/uv/.../install.sh |
sh``, ``source $HOME/.local/bin/env`` and ``uvx -p 3.13 --with pytest==8.4.1 pytest ...``.
On the docker backend, ``airgap`` adds a layer to the task's image with:

- ``uv`` and ``uvx`` from the PyPI ``uv`` wheel (downloaded on the host, where PyPI is
  reachable, once per machine);
- every Python the script asks for with ``-p``/``--python`` (the host's own CPython,
  never a download; ``UV_PYTHON_DOWNLOADS=never``);
- a wheelhouse with every requirement the script names (``--with``/``-w``, ``uvx
  TOOL==V``, ``pip install``), resolved on the host for each of those Pythons; uv and
  pip inside use it offline (``UV_OFFLINE``, ``UV_FIND_LINKS``, ``PIP_NO_INDEX``);
- a ``curl`` in front of the real one that answers uv's installer URL with a local
  installer (it links uv into ``~/.local/bin`` and writes ``~/.local/bin/env``); every
  other URL goes to the real curl.
"""

from __future__ import annotations

import hashlib
import io
import re
import shlex
import subprocess
import sys
import tarfile
import zipfile
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from envbridge.docker.python_copy import find_host_python, python_tree

AIRGAP_DIR = "/opt/envbridge/airgap"
WHEELS_DIR = f"{AIRGAP_DIR}/wheels"
CACHE_DIR = Path.home() / ".cache" / "envbridge" / "airgap"
_PYTHON_FLAG = re.compile(r"(?:^|\s)(?:-p|--python)(?:\s+|=)?(3\.\d+)\b")
_PIN = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]*(\[[^\]]*\])?((==|>=|<=|~=|!=|<|>)[^\s;]+)?$")

INSTALLER = f"""#!/bin/sh
# envbridge air-gapped mode: uv is already here; this stands in for uv's installer.
mkdir -p "$HOME/.local/bin"
ln -sf {AIRGAP_DIR}/bin/uv "$HOME/.local/bin/uv"
ln -sf {AIRGAP_DIR}/bin/uvx "$HOME/.local/bin/uvx"
echo 'export PATH="$HOME/.local/bin:$PATH"' > "$HOME/.local/bin/env"
echo "uv installed offline (envbridge air-gapped mode)"
"""
CURL_SHIM = f"""#!/bin/sh
# envbridge air-gapped mode: uv's installer comes from the image, the rest from real curl.
for arg in "$@"; do
  case "$arg" in
    *astral.sh/uv*|*github.com/astral-sh/uv/*install*) cat {AIRGAP_DIR}/install-uv.sh; exit 0;;
  esac
done
for real in /usr/bin/curl /bin/curl; do [ -x "$real" ] && exec "$real" "$@"; done
echo "curl: not installed, and this sandbox is air-gapped (envbridge)" >&2
exit 7
"""


def requested_pythons(script: str) -> list[str]:
    """Python versions a script asks uv for (``-p 3.13``, ``--python=3.12``)."""
    return sorted(set(_PYTHON_FLAG.findall(script)))


def requested_requirements(script: str) -> list[str]:
    """Requirement specs a script installs: ``--with X``, ``-w X``, ``uvx X==V``, pip."""
    found: list[str] = []
    for line in script.splitlines():
        try:
            words = shlex.split(line.split(" #", 1)[0], comments=True)
        except ValueError:
            continue
        for index, word in enumerate(words):
            following = words[index + 1] if index + 1 < len(words) else ""
            if word in ("--with", "-w") and following:
                found += [part for part in following.split(",") if part]
            elif word.startswith("--with="):
                found += word.removeprefix("--with=").split(",")
            elif word == "uvx":
                found += _tool_spec(words[index + 1 :])
            elif word == "install" and index and words[index - 1] in ("pip", "pip3"):
                found += [w for w in words[index + 1 :] if not w.startswith("-")]
    return sorted({spec for spec in found if _PIN.match(spec)})


def _tool_spec(words: list[str]) -> list[str]:
    """The tool uvx runs (skipping its options and their values)."""
    takes_value = {"-p", "--python", "-w", "--with", "--from", "--index-url", "--index"}
    index = 0
    while index < len(words):
        word = words[index]
        if word == "--from" and index + 1 < len(words):
            return [words[index + 1]]
        if word in takes_value:
            index += 2
            continue
        if word.startswith("-"):
            index += 1
            continue
        return [word]
    return []


@dataclass
class Airgap:
    """The air-gap layer for one task's test.sh."""

    script: str
    pythons: list[str] = field(init=False)
    requirements: list[str] = field(init=False)

    def __post_init__(self) -> None:
        joined = self.script.replace("\\\n", " ")  # line continuations
        self.pythons = requested_pythons(joined)
        self.requirements = requested_requirements(joined)

    def sandbox_env(self) -> dict[str, str]:
        return {
            "UV_OFFLINE": "1",
            "UV_FIND_LINKS": WHEELS_DIR,
            "UV_PYTHON_DOWNLOADS": "never",
            "UV_PYTHON_PREFERENCE": "only-system",
            "PIP_NO_INDEX": "1",
            "PIP_FIND_LINKS": WHEELS_DIR,
        }

    def context(self) -> tuple[dict[str, bytes], str]:
        """Build-context files and the Dockerfile lines after ``FROM``."""
        files: dict[str, bytes] = {}
        uv_dir = uv_binaries()
        for name in ("uv", "uvx"):
            files[f"airgap/bin/{name}"] = (uv_dir / name).read_bytes()
        files["airgap/install-uv.sh"] = INSTALLER.encode()
        files["airgap/curl"] = CURL_SHIM.encode()
        for version in self.pythons:
            files[f"python-{version}.tar"] = python_tree(find_host_python(version), primary=False)
        for wheel in wheelhouse(self.requirements, self.pythons):
            files[f"airgap/wheels/{wheel.name}"] = wheel.read_bytes()
        lines = [f"COPY airgap/ {AIRGAP_DIR}/"]
        lines += [f"ADD python-{version}.tar /usr/local/" for version in self.pythons]
        lines.append(
            f"RUN ldconfig && chmod 755 {AIRGAP_DIR}/bin/* {AIRGAP_DIR}/curl "
            f"{AIRGAP_DIR}/install-uv.sh && ln -sf {AIRGAP_DIR}/bin/uv /usr/local/bin/uv && "
            f"ln -sf {AIRGAP_DIR}/bin/uvx /usr/local/bin/uvx && "
            f"ln -sf {AIRGAP_DIR}/curl /usr/local/bin/curl && chmod -R a+rX {AIRGAP_DIR}"
        )
        return files, "\n".join(lines)

    def overlay(self, client: Any, image: str, task_id: str, labels: dict[str, str]) -> str:
        """The task image plus the air-gap layer, built once per content; its tag."""
        files, lines = self.context()
        base_id = client.images.get(image).id
        dockerfile = f"FROM {image}\n{lines}\n"
        digest = hashlib.sha256(base_id.encode() + dockerfile.encode())
        for name in sorted(files):
            digest.update(name.encode() + b"\0" + files[name])
        tag = f"envbridge-harbor/{task_id}-airgap:{digest.hexdigest()[:20]}"
        try:
            client.images.get(tag)
            return tag
        except Exception:
            pass
        files["Dockerfile"] = dockerfile.encode()
        buffer = io.BytesIO()
        with tarfile.open(fileobj=buffer, mode="w") as tar:
            for name, data in files.items():
                info = tarfile.TarInfo(name)
                info.size, info.mode = len(data), 0o755
                tar.addfile(info, io.BytesIO(data))
        log: list[str] = []
        for chunk in client.api.build(
            fileobj=io.BytesIO(buffer.getvalue()), custom_context=True, tag=tag, rm=True,
            forcerm=True, pull=False, network_mode="none", decode=True, labels=labels,
        ):  # fmt: skip
            log.append(chunk.get("stream", ""))
            if "error" in chunk:
                from envbridge.bridges.harbor.backends.base import SandboxError

                raise SandboxError(
                    f"air-gap layer for {task_id} failed: {chunk['error']}\n{''.join(log)[-800:]}"
                )
        return tag


def uv_binaries() -> Path:
    """A folder with ``uv`` and ``uvx`` from the PyPI ``uv`` wheel (cached per machine)."""
    target = CACHE_DIR / "uv"
    if (target / "uv").is_file() and (target / "uvx").is_file():
        return target
    download = CACHE_DIR / "uv-wheel"
    _pip(
        sys.executable, ["download", "--no-deps", "--only-binary=:all:", "-d", str(download), "uv"]
    )
    wheel = max(download.glob("uv-*.whl"))
    target.mkdir(parents=True, exist_ok=True)
    with zipfile.ZipFile(wheel) as archive:
        for member in archive.namelist():
            name = member.rsplit("/", 1)[-1]
            if "/scripts/" in member and name in ("uv", "uvx"):
                (target / name).write_bytes(archive.read(member))
                (target / name).chmod(0o755)
    if not (target / "uv").is_file():
        raise RuntimeError(f"{wheel.name} has no uv binary for this platform")
    return target


def wheelhouse(requirements: list[str], pythons: list[str]) -> list[Path]:
    """Wheels (with dependencies) of ``requirements`` for each Python, cached by content."""
    if not requirements:
        return []
    wheels: dict[str, Path] = {}
    for version in pythons or [f"{sys.version_info.major}.{sys.version_info.minor}"]:
        key = hashlib.sha256(f"{version}\0{requirements}".encode()).hexdigest()[:16]
        folder = CACHE_DIR / "wheels" / key
        if not (folder / ".complete").is_file():
            folder.mkdir(parents=True, exist_ok=True)
            python = str(find_host_python(version))
            _pip(python, ["download", "--only-binary=:all:", "-d", str(folder), *requirements])
            (folder / ".complete").write_text("\n".join(requirements))
        wheels.update({wheel.name: wheel for wheel in folder.glob("*.whl")})
    return sorted(wheels.values())


def _pip(python: str, arguments: list[str]) -> None:
    result = subprocess.run(
        [python, "-m", "pip", *arguments], capture_output=True, text=True, timeout=600
    )
    if result.returncode != 0:
        raise RuntimeError(
            f"pip {' '.join(arguments)} failed on the host (the air-gapped mode fetches "
            f"wheels on the host, from PyPI or pip's cache): {result.stderr[-800:]}"
        )
