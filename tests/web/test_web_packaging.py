"""The page's files ship in the wheel: each is matched by pyproject's package-data."""

from __future__ import annotations

import fnmatch
import tomllib

from tests.helpers import ROOT


def test_every_page_file_is_package_data():
    config = tomllib.loads((ROOT / "pyproject.toml").read_text())["tool"]["setuptools"]
    globs = config["package-data"]["envbridge.spec.server"]
    server = ROOT / "spec" / "server"
    files = sorted(str(path.relative_to(server)) for path in (server / "web").iterdir())
    assert files == ["web/index.html", "web/web.css", "web/web.js"]
    unshipped = [name for name in files if not any(fnmatch.fnmatch(name, g) for g in globs)]
    assert not unshipped, f"add these to [tool.setuptools.package-data]: {unshipped}"
