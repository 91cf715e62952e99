"""Packaging: every package is listed for wheels, and the core imports light and fast."""

from __future__ import annotations

import subprocess
import sys
import tomllib

import pytest

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


def test_front_door_exports_exactly_its_public_names():
    """``envbridge.__all__`` lists what ``import envbridge`` offers, and all of it resolves."""
    import envbridge

    for name in envbridge.__all__:
        assert getattr(envbridge, name) is not None, name
    defined = {
        name
        for name, value in vars(envbridge).items()
        if not name.startswith("_") and getattr(value, "__module__", "").startswith("envbridge")
    }
    assert defined == set(envbridge.__all__) - {"__version__"}
    assert set(envbridge.__all__) <= set(dir(envbridge))


def test_front_door_offers_the_clients_errors_and_environment_types():
    import envbridge.spec.client as client

    import envbridge

    assert set(client.__all__) <= set(envbridge.__all__)
    for name in ("Environment", "Observation", "Tool", "ToolResult", "InvalidAction"):
        assert getattr(envbridge, name) is getattr(envbridge.spec, name)
    assert issubclass(envbridge.ReplyTimeout, envbridge.EnvbridgeClientError)
    assert issubclass(envbridge.EnvbridgeClientError, envbridge.EnvbridgeError)
    assert issubclass(envbridge.InvalidAction, envbridge.EnvbridgeError)
    with pytest.raises(AttributeError, match="no attribute 'Nope'"):
        _ = envbridge.Nope
