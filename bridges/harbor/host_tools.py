"""Which commands a task script runs, and whether the host's userland has them.

The local backend's sandbox is the host's ``/usr``: a tool the task image would install
(pytest, say) must be on the host, or ``test.sh`` fails and the episode scores 0. This
module finds those gaps before an episode starts.
"""

from __future__ import annotations

import re
import shutil
import subprocess

from envbridge.bridges.harbor.backends.local import DEFAULT_PATH

_SEPARATORS = re.compile(r"&&|\|\||[;|&()`{}]|\$\(")
_HEREDOC = re.compile(r"<<-?\s*['\"]?(\w+)['\"]?")
_FUNCTION = re.compile(r"^\s*(?:function\s+)?([A-Za-z_][\w-]*)\s*\(\s*\)")
_PYTHON_MODULE = re.compile(r"\bpython3?(?:\.\d+)?\s+-m\s+([A-Za-z_][\w.]*)")
_SINGLE_QUOTED = re.compile(r"'[^']*'")
_FD_REDIRECT = re.compile(r"\d*[<>]&\d*-?")
_DOUBLE_QUOTED = re.compile(r'"(?:[^"\\]|\\.)*"')
_SUBSTITUTION = re.compile(r"\$\(([^()]*)\)")
_ARITHMETIC = re.compile(r"\(\(.*?\)\)")
_WORD = re.compile(r"^[A-Za-z0-9_][A-Za-z0-9_.+-]*$")


def _unquote(code: str) -> list[str]:
    """``code`` with quoted text blanked (it is data), then each command substitution
    found inside double quotes, as separate pieces of code."""
    code = _SINGLE_QUOTED.sub("''", code)
    inner = [sub for text in _DOUBLE_QUOTED.findall(code) for sub in _SUBSTITUTION.findall(text)]
    return [_ARITHMETIC.sub(" ", piece) for piece in [_DOUBLE_QUOTED.sub('""', code), *inner]]


def _words(text: str) -> frozenset[str]:
    return frozenset(text.split())


_KEYWORDS = _words("if then else elif fi do done while until time ! {")
_SKIP_SEGMENT = _words(
    "for in case esac function select cd echo exit export set source . test [ [[ true "
    "false read local return printf shift trap unset wait eval declare let pwd type "
    "command builtin exec alias umask break continue readonly getopts hash ulimit"
)
"""Builtins and constructs whose following words are arguments, not commands."""


def script_commands(text: str) -> set[str]:
    """Command names a shell script runs (builtins, functions and paths excluded)."""
    functions = {match.group(1) for line in text.splitlines() if (match := _FUNCTION.match(line))}
    commands: set[str] = set()
    heredoc_end: str | None = None
    for line in text.splitlines():
        if heredoc_end is not None:
            if line.strip() == heredoc_end:
                heredoc_end = None
            continue
        if match := _HEREDOC.search(line):
            heredoc_end = match.group(1)
        pieces = [_FD_REDIRECT.sub(" ", piece) for piece in _unquote(line.split(" #", 1)[0])]
        if pieces[0].lstrip().startswith("#"):
            continue
        for segment in (part for piece in pieces for part in _SEPARATORS.split(piece)):
            words = segment.split()
            while words and ("=" in words[0] or words[0] in _KEYWORDS):
                words.pop(0)
            if not words or words[0] in _SKIP_SEGMENT or words[0] in functions:
                continue
            if _WORD.match(words[0]):
                commands.add(words[0])
    return commands


def python_modules(text: str) -> set[str]:
    """Modules a script runs with ``python3 -m MODULE``."""
    return {match.group(1) for match in _PYTHON_MODULE.finditer(text)}


def missing_on_host(text: str) -> list[str]:
    """What ``text`` (a shell script) needs that the host's userland lacks."""
    missing = sorted(
        command for command in script_commands(text) if not shutil.which(command, path=DEFAULT_PATH)
    )
    python = shutil.which("python3", path=DEFAULT_PATH)
    for module in sorted(python_modules(text)):
        if python is None:
            break
        probe = subprocess.run(
            [python, "-c", f"import {module}"], capture_output=True, timeout=30, check=False
        )
        if probe.returncode != 0:
            missing.append(f"python3 -m {module} (module {module!r} is not importable)")
    return missing
