"""Every link in README.md and docs/ resolves inside the repository (issue 19, item 6)."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
PAGES = [ROOT / "README.md", *sorted((ROOT / "docs").rglob("*.md"))]
LINK = re.compile(r"\[[^\]]*\]\(([^)\s]+)\)")
CODE_PATH = re.compile(r"`(\.\./[^`]+)`")
HEADING = re.compile(r"^#+\s+(.*)$", re.MULTILINE)


def anchors(page: Path) -> set[str]:
    """GitHub-style anchors of a page's headings."""
    found = set()
    for heading in HEADING.findall(page.read_text()):
        slug = re.sub(r"[^\w\- ]", "", heading.strip().lower()).replace(" ", "-")
        found.add(slug)
    return found


def broken_links(page: Path) -> list[str]:
    """Relative links of ``page`` that leave the repository or point at nothing."""
    broken = []
    text = page.read_text()
    for target in LINK.findall(text):
        if re.match(r"^[a-z]+:", target):  # http(s):, mailto:
            continue
        path, _, anchor = target.partition("#")
        resolved = (page.parent / path).resolve() if path else page
        if ROOT not in resolved.parents and resolved != ROOT:
            broken.append(f"{target} (outside the repository)")
        elif not resolved.exists():
            broken.append(f"{target} (no such file)")
        elif anchor and resolved.suffix == ".md" and anchor not in anchors(resolved):
            broken.append(f"{target} (no heading #{anchor})")
    for target in CODE_PATH.findall(text):
        if ROOT not in (page.parent / target).resolve().parents:
            broken.append(f"`{target}` (names a file outside the repository)")
    return broken


@pytest.mark.parametrize("page", PAGES, ids=[str(p.relative_to(ROOT)) for p in PAGES])
def test_links_resolve_inside_the_repository(page):
    assert broken_links(page) == []


def test_the_checker_sees_a_broken_link(tmp_path, monkeypatch):
    page = ROOT / "docs" / "conformance.md"
    assert broken_links(page) == []
    bad = tmp_path / "bad.md"
    bad.write_text("[plan](../shared/design/ARCHITECTURE.md) and `../shared/x.md`")
    monkeypatch.setattr(f"{__name__}.ROOT", tmp_path)
    assert len(broken_links(bad)) == 2
