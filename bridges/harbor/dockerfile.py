"""A small Dockerfile reader: instructions, FROM images, variable substitution.

The docker backend uses it to map ``FROM`` images to local ones; the local backend to
apply the subset it can honour on the host userland (WORKDIR, ENV, ARG, USER, COPY,
ADD of local files, RUN).
"""

from __future__ import annotations

import json
import re
import shlex
from dataclasses import dataclass, field
from pathlib import Path

_VARIABLE = re.compile(r"\$(?:\{(\w+)(?::-([^}]*))?\}|(\w+))")


@dataclass(frozen=True)
class Instruction:
    """One Dockerfile instruction: keyword (upper case), its flags and raw arguments."""

    keyword: str
    arguments: str
    line: int
    flags: dict[str, str] = field(default_factory=dict)

    def exec_form(self) -> list[str] | None:
        """The JSON array form (``["a", "b"]``) if the arguments use it."""
        text = self.arguments.strip()
        if not text.startswith("["):
            return None
        try:
            value = json.loads(text)
        except json.JSONDecodeError:
            return None
        return value if isinstance(value, list) and all(isinstance(v, str) for v in value) else None


def parse_dockerfile(text: str) -> list[Instruction]:
    """Split ``text`` into instructions (continuations joined, comments dropped)."""
    instructions: list[Instruction] = []
    pending = ""
    start = 0
    for number, raw in enumerate(text.splitlines(), start=1):
        stripped = raw.strip()
        if not pending and (not stripped or stripped.startswith("#")):
            continue
        if pending and stripped.startswith("#"):
            continue
        if not pending:
            start = number
        if stripped.endswith("\\"):
            pending += stripped[:-1].rstrip() + " "
            continue
        instructions.append(_instruction(pending + stripped, start))
        pending = ""
    if pending.strip():
        instructions.append(_instruction(pending, start))
    return instructions


def _instruction(text: str, line: int) -> Instruction:
    keyword, _, rest = text.strip().partition(" ")
    flags: dict[str, str] = {}
    rest = rest.strip()
    while rest.startswith("--"):
        flag, _, rest = rest.partition(" ")
        name, _, value = flag[2:].partition("=")
        flags[name] = value
        rest = rest.strip()
    return Instruction(keyword.upper(), rest, line, flags)


def from_images(instructions: list[Instruction]) -> list[str]:
    """The base image of every ``FROM`` (stage names excluded)."""
    stages: set[str] = set()
    images: list[str] = []
    for instruction in instructions:
        if instruction.keyword != "FROM":
            continue
        words = instruction.arguments.split()
        if words and words[0] not in stages:
            images.append(words[0])
        if len(words) >= 3 and words[1].lower() == "as":
            stages.add(words[2])
    return images


def rewrite_from(text: str, mapping: dict[str, str]) -> str:
    """``text`` with every ``FROM image`` in ``mapping`` replaced by its local image."""

    def replace(match: re.Match[str]) -> str:
        image = match.group(2)
        return match.group(1) + mapping.get(image, image)

    return re.sub(
        r"^(\s*FROM\s+(?:--\S+\s+)*)(\S+)", replace, text, flags=re.IGNORECASE | re.MULTILINE
    )


def substitute(text: str, variables: dict[str, str]) -> str:
    """Expand ``$VAR``, ``${VAR}`` and ``${VAR:-default}`` from ``variables``."""

    def expand(match: re.Match[str]) -> str:
        name = match.group(1) or match.group(3)
        default = match.group(2)
        value = variables.get(name)
        if value is None or (value == "" and default is not None):
            return default or ""
        return value

    return _VARIABLE.sub(expand, text)


def key_values(arguments: str) -> dict[str, str]:
    """ENV/ARG/LABEL arguments: ``K=V K2="V 2"`` or the legacy ``K V`` form."""
    words = shlex.split(arguments)
    if words and "=" not in words[0]:
        return {words[0]: " ".join(words[1:])}
    return dict(word.partition("=")[::2] for word in words)


def copy_sources(instruction: Instruction) -> tuple[list[str], str]:
    """COPY/ADD arguments as (sources, destination)."""
    words = instruction.exec_form() or shlex.split(instruction.arguments)
    if len(words) < 2:
        raise ValueError(
            f"line {instruction.line}: {instruction.keyword} needs a source and a destination"
        )
    return words[:-1], words[-1]


def read_dockerfile(path: Path) -> list[Instruction]:
    """Parse the Dockerfile at ``path``."""
    return parse_dockerfile(path.read_text(encoding="utf-8"))
