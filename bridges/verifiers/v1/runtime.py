"""Running the harness's chat program offline, with this interpreter.

verifiers' subprocess runtime prepares PEP 723 programs with ``uv sync --script``, which
needs the package index for every new process. The chat program's dependencies are
verifiers' own, so it runs with ``sys.executable`` instead. A taskset episode gets an
:class:`OfflineRuntime`; an ``Env``'s agents provision their own subprocess runtimes, so
serving an Env switches every subprocess runtime of the process to the same behaviour
(:func:`run_scripts_offline`).
"""

from __future__ import annotations

import hashlib
import sys
import tempfile
from pathlib import Path

from envbridge.spec import cleanup
from verifiers.v1.runtimes.subprocess import SubprocessConfig, SubprocessRuntime


def _script_argv(directory: Path, script: str | bytes) -> list[str]:
    """Write ``script`` (named by its digest) into ``directory``; argv that runs it."""
    data = script.encode() if isinstance(script, str) else script
    path = directory / f"{hashlib.sha256(data).hexdigest()}.py"
    if not path.exists():
        partial = path.with_suffix(".tmp")
        partial.write_bytes(data)
        partial.replace(path)
    return [sys.executable, str(path)]


class OfflineRuntime(SubprocessRuntime):
    """``SubprocessRuntime`` whose scripts run with this Python, no uv, no network."""

    def __init__(self) -> None:
        super().__init__(SubprocessConfig())
        self._scripts = Path(tempfile.mkdtemp(prefix="envbridge-vf1-"))
        self._cleanup = cleanup.remove_dir(self._scripts)

    async def prepare_uv_script(
        self, script: str | bytes, env: dict[str, str] | None = None, *, activate: bool = True
    ) -> list[str]:
        return _script_argv(self._scripts, script)

    async def teardown(self) -> None:
        try:
            await super().teardown()
        finally:
            self._cleanup.run_now()


_process_scripts: Path | None = None


def run_scripts_offline() -> None:
    """Make every subprocess runtime of this process run scripts offline (idempotent).

    The scripts live in one temporary directory, removed when the process exits.
    """
    global _process_scripts
    if _process_scripts is not None:
        return
    directory = Path(tempfile.mkdtemp(prefix="envbridge-vf1-env-"))
    cleanup.remove_dir(directory)  # at exit, SIGTERM included
    _process_scripts = directory

    async def prepare_offline(
        self: SubprocessRuntime,
        script: str | bytes,
        env: dict[str, str] | None = None,
        *,
        activate: bool = True,
    ) -> list[str]:
        # A server of this process that shut down ran its cleanup, which removes this
        # directory too: the next script recreates it.
        directory.mkdir(parents=True, exist_ok=True)
        return _script_argv(directory, script)

    SubprocessRuntime.prepare_uv_script = prepare_offline  # type: ignore[method-assign]
