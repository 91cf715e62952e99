"""Third-party bridges: found through the ``envbridge.bridges`` entry-point group.

Each test installs a real (tiny) distribution into a temporary folder, with its
``entry_points.txt``, and resolves targets in a fresh interpreter that has that folder
on its path, exactly as ``pip install`` would make it visible.
"""

from __future__ import annotations

import subprocess
import sys
import textwrap
from pathlib import Path

from tests.helpers import ROOT

_BRIDGE = """
from envbridge.spec import Environment, Observation

class Level(Environment):
    blocking = False
    def __init__(self, level):
        self.level = level
    def reset(self, *, seed=None, episode_id=None, options=None):
        return Observation({"level": self.level})
    def step(self, action):
        return Observation({"level": self.level}, reward=1.0, done=True)

def load_target(rest, options):
    if not rest.isdigit():
        raise ValueError(f"level must be a number, got {rest!r}")
    return lambda: Level(int(rest))
"""


def _install(site: Path, entry_points: dict[str, str], modules: dict[str, str]) -> None:
    info = site / "mysim-1.0.dist-info"
    info.mkdir(parents=True)
    (info / "METADATA").write_text("Metadata-Version: 2.1\nName: mysim\nVersion: 1.0\n")
    lines = "".join(f"{name} = {value}\n" for name, value in entry_points.items())
    (info / "entry_points.txt").write_text(f"[envbridge.bridges]\n{lines}")
    for name, source in modules.items():
        (site / f"{name}.py").write_text(source)


def _run(site: Path, code: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-c", textwrap.dedent(code)],
        capture_output=True,
        text=True,
        cwd=ROOT,
        env={"PYTHONPATH": f"{site}:{ROOT}", "PATH": "/usr/bin:/bin"},
        timeout=60,
    )


def test_an_installed_bridge_serves_its_prefix(tmp_path):
    _install(tmp_path, {"mysim": "mysim_bridge"}, {"mysim_bridge": _BRIDGE})
    result = _run(
        tmp_path,
        """
        import asyncio
        from envbridge.targets import installed_bridges, resolve_target
        from envbridge.spec.modes import Mode
        from envbridge.spec.session import Session
        assert installed_bridges()["mysim"] == "mysim_bridge"
        env = resolve_target("mysim:7")()
        reply = asyncio.run(Session(env, Mode.SIMULATION).reset({}))
        print(reply["observation"])
        """,
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "{'level': 7, 'metadata': {}}"


def test_bridge_errors_name_the_target_and_the_fix(tmp_path):
    _install(
        tmp_path,
        {"mysim": "mysim_bridge", "nohook": "nohook_bridge", "broken": "broken_bridge"},
        {
            "mysim_bridge": _BRIDGE,
            "nohook_bridge": "x = 1\n",
            "broken_bridge": "raise RuntimeError('missing licence file')\n",
        },
    )
    result = _run(
        tmp_path,
        """
        from envbridge.targets import TargetError, resolve_target
        for target in ("mysim:hard", "nohook:1", "broken:1"):
            try:
                resolve_target(target)
            except TargetError as exc:
                print(exc)
        """,
    )
    assert result.returncode == 0, result.stderr
    bad_level, no_hook, broken = result.stdout.strip().splitlines()
    assert bad_level == "target 'mysim:hard': level must be a number, got 'hard'"
    assert "nohook_bridge has no load_target(rest, options)" in no_hook
    assert "failed to load: RuntimeError: missing licence file" in broken


def test_built_in_prefixes_win_over_entry_points(tmp_path):
    _install(tmp_path, {"gym": "mysim_bridge"}, {"mysim_bridge": _BRIDGE})
    result = _run(
        tmp_path,
        """
        from envbridge.targets import installed_bridges
        print(installed_bridges()["gym"])
        """,
    )
    assert result.stdout.strip() == "envbridge.bridges.gymnasium", result.stderr
