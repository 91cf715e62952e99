"""Build a local sandbox the way ``environment/Dockerfile`` would build an image.

The host userland stands in for ``FROM`` (one stage only). WORKDIR, ENV, ARG, USER,
COPY/ADD of files from ``environment/`` and RUN are applied inside the sandbox; CMD,
EXPOSE, LABEL and other runtime metadata do not change the filesystem and are skipped.
A RUN that fails (for example an install needing the network) stops the build with a
message naming the line.
"""

from __future__ import annotations

import posixpath
import shutil
import tempfile
import time
from pathlib import Path

from envbridge.bridges.harbor.backends.base import ROOT_USER, SandboxError, decode
from envbridge.bridges.harbor.backends.local import LocalSandbox
from envbridge.bridges.harbor.dockerfile import (
    Instruction,
    copy_sources,
    key_values,
    read_dockerfile,
    substitute,
)

_NO_FILESYSTEM_EFFECT = frozenset(
    {"CMD", "ENTRYPOINT", "EXPOSE", "LABEL", "HEALTHCHECK", "SHELL", "STOPSIGNAL", "VOLUME",
     "MAINTAINER", "ONBUILD"}
)  # fmt: skip
_LOCAL_HINT = (
    "The local backend runs RUN on the host's own userland with no network: install what "
    "the line needs on the host, or use --backend docker"
)


def apply_environment(sandbox: LocalSandbox) -> None:
    """Apply the task's Dockerfile (or, for a prebuilt image, upload environment/)."""
    spec = sandbox.spec
    dockerfile = spec.environment_dir / "Dockerfile"
    if dockerfile.is_file():
        _Build(sandbox, time.monotonic() + spec.build_timeout_s).apply(read_dockerfile(dockerfile))
    elif spec.environment_dir.is_dir():
        sandbox.upload_dir(spec.environment_dir, sandbox.default_workdir)
    sandbox.env.update(spec.env)


class _Build:
    def __init__(self, sandbox: LocalSandbox, deadline: float):
        self.sandbox = sandbox
        self.deadline = deadline
        self.variables: dict[str, str] = {}
        self.stages = 0

    def apply(self, instructions: list[Instruction]) -> None:
        for instruction in instructions:
            handler = getattr(self, f"_{instruction.keyword.lower()}", None)
            if handler is not None:
                handler(instruction)
            elif instruction.keyword not in _NO_FILESYSTEM_EFFECT:
                raise SandboxError(
                    f"Dockerfile line {instruction.line}: {instruction.keyword} is not "
                    "supported by the local backend; use --backend docker"
                )

    def _from(self, instruction: Instruction) -> None:
        self.stages += 1
        if self.stages > 1:
            raise SandboxError(
                f"Dockerfile line {instruction.line}: multi-stage builds need --backend docker"
            )

    def _arg(self, instruction: Instruction) -> None:
        for key, value in key_values(instruction.arguments).items():
            self.variables.setdefault(key, substitute(value, self.variables))

    def _env(self, instruction: Instruction) -> None:
        text = substitute(instruction.arguments, {**self.variables, **self.sandbox.env})
        for key, value in key_values(text).items():
            self.sandbox.env[key] = value

    def _expand(self, text: str) -> str:
        return substitute(text, {**self.variables, **self.sandbox.env})

    def _absolute(self, path: str) -> str:
        return posixpath.normpath(posixpath.join(self.sandbox.image_workdir, self._expand(path)))

    def _workdir(self, instruction: Instruction) -> None:
        self.sandbox.image_workdir = self._absolute(instruction.arguments.strip())
        self._root('mkdir -p -- "$EB_TARGET"', self.sandbox.image_workdir, instruction)

    def _user(self, instruction: Instruction) -> None:
        user = self._expand(instruction.arguments.strip()).split(":")[0]
        self.sandbox.image_user = int(user) if user.isdigit() else user

    def _run(self, instruction: Instruction) -> None:
        argv = instruction.exec_form() or ["/bin/sh", "-c", instruction.arguments]
        remaining = self.deadline - time.monotonic()
        _, stderr, code, timed_out, _ = self.sandbox.run(
            argv,
            cwd=self.sandbox.image_workdir,
            env=self.variables,
            timeout_s=remaining,
            output_limit=8192,
        )
        if timed_out:
            raise SandboxError(
                f"Dockerfile line {instruction.line}: RUN exceeded build_timeout_sec"
            )
        if code != 0:
            tail = decode(stderr).strip()[-600:]
            raise SandboxError(
                f"Dockerfile line {instruction.line}: RUN {instruction.arguments[:120]!r} "
                f"failed in the local sandbox (exit {code}): {tail}. {_LOCAL_HINT}"
            )

    def _add(self, instruction: Instruction) -> None:
        self._copy(instruction)

    def _copy(self, instruction: Instruction) -> None:
        if "from" in instruction.flags:
            raise SandboxError(
                f"Dockerfile line {instruction.line}: COPY --from needs --backend docker"
            )
        sources, destination = copy_sources(instruction)
        files = [path for pattern in sources for path in self._context_files(pattern, instruction)]
        target = self._absolute(destination)
        into_dir = destination.endswith("/") or len(files) > 1 or self._is_dir(target)
        for source in files:
            if source.is_dir():
                self.sandbox.upload_dir(source, target)
                continue
            name = source.name if into_dir else posixpath.basename(target)
            parent = target if into_dir else posixpath.dirname(target)
            with tempfile.TemporaryDirectory(prefix="envbridge-copy-") as stage:
                Path(stage).chmod(0o755)
                shutil.copy2(source, Path(stage) / name)
                self.sandbox.upload_dir(Path(stage), parent)
        if owner := instruction.flags.get("chown"):
            self._root(f'chown -R {_shell_word(owner)} -- "$EB_TARGET"', target, instruction)
        if mode := instruction.flags.get("chmod"):
            self._root(f'chmod -R {_shell_word(mode)} -- "$EB_TARGET"', target, instruction)

    def _context_files(self, pattern: str, instruction: Instruction) -> list[Path]:
        if "://" in pattern:
            raise SandboxError(
                f"Dockerfile line {instruction.line}: ADD from a URL needs the network; "
                "put the file in environment/ instead"
            )
        context = self.sandbox.spec.environment_dir.resolve()
        relative = self._expand(pattern).lstrip("/")
        matches = [context] if relative in ("", ".") else sorted(context.glob(relative))
        inside = [path for path in matches if path.resolve().is_relative_to(context)]
        if not inside:
            raise SandboxError(
                f"Dockerfile line {instruction.line}: {instruction.keyword} source {pattern!r} "
                "is not in environment/ (the build context)"
            )
        return inside

    def _is_dir(self, path: str) -> bool:
        result = self.sandbox.exec(
            'test -d "$EB_TARGET"', user=ROOT_USER, cwd="/", env={"EB_TARGET": path}
        )
        return result.exit_code == 0

    def _root(self, script: str, target: str, instruction: Instruction) -> None:
        result = self.sandbox.exec(script, user=ROOT_USER, cwd="/", env={"EB_TARGET": target})
        if result.exit_code != 0:
            raise SandboxError(
                f"Dockerfile line {instruction.line}: {instruction.keyword} failed: "
                f"{result.stderr.strip()}"
            )


def _shell_word(text: str) -> str:
    if not text or any(not (ch.isalnum() or ch in ":._-+=,") for ch in text):
        raise SandboxError(f"unsupported --chown/--chmod value {text!r}")
    return text
