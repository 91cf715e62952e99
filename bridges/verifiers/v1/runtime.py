"""A subprocess runtime that runs the harness's chat program with this interpreter.

verifiers' own subprocess runtime prepares PEP 723 programs with ``uv sync --script``,
which needs the package index on every new process. The chat program's dependencies
are verifiers' own, so it runs offline with ``sys.executable`` instead.
"""

from __future__ import annotations

import os
import sys
import tempfile
from pathlib import Path

from verifiers.v1.runtimes.subprocess import SubprocessConfig, SubprocessRuntime


class OfflineRuntime(SubprocessRuntime):
    """``SubprocessRuntime`` whose scripts run with this Python, no uv, no network."""

    def __init__(self) -> None:
        super().__init__(SubprocessConfig())
        self._scripts = Path(tempfile.mkdtemp(prefix="envbridge-vf1-"))

    async def prepare_uv_script(
        self, script: str | bytes, env: dict[str, str] | None = None, *, activate: bool = True
    ) -> list[str]:
        data = script.encode() if isinstance(script, str) else script
        handle, path = tempfile.mkstemp(suffix=".py", dir=self._scripts)
        with os.fdopen(handle, "wb") as file:
            file.write(data)
        return [sys.executable, path]

    async def teardown(self) -> None:
        try:
            await super().teardown()
        finally:
            for path in self._scripts.glob("*"):
                path.unlink(missing_ok=True)
            self._scripts.rmdir()
