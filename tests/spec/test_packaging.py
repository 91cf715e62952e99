"""Packaging: every package is listed for wheels, and the core imports light and fast."""

from __future__ import annotations

import subprocess
import sys
import tomllib

from tests.helpers import ROOT

HEAVY = (
    "gymnasium",
    "numpy",
    "verifiers",
    "docker",
    "openenv",
    "mcp",
    "fastapi",
    "uvicorn",
    "hypothesis",
    "datasets",
    "openai",
)


def _mapping() -> tuple[dict[str, str], list[str]]:
    config = tomllib.loads((ROOT / "pyproject.toml").read_text())["tool"]["setuptools"]
    return config["package-dir"], config["packages"]


def test_every_package_folder_is_listed():
    package_dir, packages = _mapping()
    found = set()
    for prefix, folder in package_dir.items():
        for init in (ROOT / folder).rglob("__init__.py"):
            relative = init.parent.relative_to(ROOT / folder)
            if any(part.startswith((".", "__")) for part in relative.parts):
                continue
            found.add(".".join([prefix, *relative.parts]))
    missing = found - set(packages)
    assert not missing, f"add these to [tool.setuptools] packages in pyproject.toml: {missing}"


def test_import_envbridge_loads_no_heavy_dependency():
    code = (
        "import sys, envbridge, envbridge.spec, envbridge.spec.client; "
        f"print([m for m in {HEAVY!r} if m in sys.modules])"
    )
    out = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True
    ).stdout.strip()
    assert out == "[]", f"import envbridge pulled in {out}"


def test_cli_version_and_help():
    version = subprocess.run(
        [sys.executable, "-m", "envbridge", "--version"], capture_output=True, text=True, check=True
    ).stdout
    assert version.startswith("envbridge ")
    helptext = subprocess.run(
        [sys.executable, "-m", "envbridge", "serve", "--help"],
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    for word in ("gym:ID", "verifiers:NAME", "harbor:PATH", "--mode", "--max-sessions"):
        assert word in helptext
