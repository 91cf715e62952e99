"""Find the Debian mirror this machine's apt already reaches.

No container registry is reachable here, so the base image is bootstrapped from Debian
packages; the mirror apt is configured with is the one known to work.
"""

from __future__ import annotations

import os
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

DEFAULT_MIRROR = "http://deb.debian.org/debian"
MIRROR_ENV_VAR = "ENVBRIDGE_DEBIAN_MIRROR"


@dataclass(frozen=True, slots=True)
class AptSource:
    """One binary package source: a URI and the suites it serves."""

    uri: str
    suites: tuple[str, ...]


def parse_one_line_sources(text: str) -> list[AptSource]:
    """Parse the classic ``deb [options] URI SUITE COMPONENT...`` format."""
    sources = []
    for line in text.splitlines():
        words = line.split("#", 1)[0].split()
        if not words or words[0] != "deb":
            continue
        words = words[1:]
        if words and words[0].startswith("["):
            while words and not words[0].endswith("]"):
                words = words[1:]
            words = words[1:]
        if len(words) >= 2:
            sources.append(AptSource(uri=words[0], suites=(words[1],)))
    return sources


def parse_deb822_sources(text: str) -> list[AptSource]:
    """Parse the deb822 ``.sources`` format (stanzas of ``Field: value`` lines)."""
    sources = []
    for stanza in text.split("\n\n"):
        fields: dict[str, str] = {}
        for line in stanza.splitlines():
            if line.startswith("#") or ":" not in line or line[:1].isspace():
                continue
            key, _, value = line.partition(":")
            fields[key.strip().lower()] = value.strip()
        if "deb" not in fields.get("types", "").split():
            continue
        if fields.get("enabled", "yes").lower() == "no":
            continue
        suites = tuple(fields.get("suites", "").split())
        sources.extend(AptSource(uri=uri, suites=suites) for uri in fields.get("uris", "").split())
    return sources


def configured_sources(apt_dir: Path = Path("/etc/apt")) -> list[AptSource]:
    """Every binary source in ``sources.list`` and ``sources.list.d/``."""
    files = [apt_dir / "sources.list", *sorted((apt_dir / "sources.list.d").glob("*"))]
    sources: list[AptSource] = []
    for path in files:
        if not path.is_file():
            continue
        text = path.read_text(errors="replace")
        if path.suffix == ".sources":
            sources.extend(parse_deb822_sources(text))
        elif path.name == "sources.list" or path.suffix == ".list":
            sources.extend(parse_one_line_sources(text))
    return sources


def pick_mirror(sources: Iterable[AptSource], suite: str) -> str | None:
    """The first source serving exactly ``suite`` (not -updates or -security)."""
    for source in sources:
        if suite in source.suites and "security" not in source.uri:
            return source.uri.rstrip("/")
    return None


def debian_mirror(suite: str, apt_dir: Path = Path("/etc/apt")) -> str:
    """The mirror to bootstrap ``suite`` from: $ENVBRIDGE_DEBIAN_MIRROR, apt's, or Debian's."""
    override = os.environ.get(MIRROR_ENV_VAR)
    if override:
        return override.rstrip("/")
    return pick_mirror(configured_sources(apt_dir), suite) or DEFAULT_MIRROR
