"""The official stack's own virtualenv: ``openenv==0.10.0`` (and matplotlib for the plot).

Kept apart from envbridge's ``.venv`` so neither install shapes the other's numbers.
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

OPENENV_REQUIREMENT = "openenv==0.10.0"
PLOT_REQUIREMENT = "matplotlib>=3.8"
_STAMP = ".bench-installed"


def ensure_openenv_venv(venv: Path, base_python: str = sys.executable) -> Path:
    """Create ``venv`` with the official OpenEnv release unless already there; its python."""
    python = venv / "bin" / "python"
    wanted = f"{OPENENV_REQUIREMENT} {PLOT_REQUIREMENT}"
    stamp = venv / _STAMP
    if python.exists() and stamp.exists() and stamp.read_text() == wanted:
        return python
    print(f"bench: creating {venv} with {wanted} (pip; cached after the first run)", flush=True)
    subprocess.run([base_python, "-m", "venv", "--clear", str(venv)], check=True)
    pip = [str(python), "-m", "pip", "install", "-q", "--disable-pip-version-check"]
    subprocess.run([*pip, "--upgrade", "pip"], check=True)
    subprocess.run([*pip, OPENENV_REQUIREMENT, PLOT_REQUIREMENT], check=True)
    stamp.write_text(wanted)
    return python
