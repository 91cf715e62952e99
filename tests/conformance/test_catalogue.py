"""The catalogue is well-formed and docs/conformance.md documents exactly it."""

from __future__ import annotations

import re
from pathlib import Path

from envbridge.conformance import Level, areas, catalogue
from envbridge.conformance.catalogue_doc import render, rewrite
from envbridge.conformance.checks import AREAS

DOC = Path(__file__).resolve().parents[2] / "docs" / "conformance.md"


def test_ids_are_unique_and_named_after_their_area():
    ids = [spec.id for spec in catalogue()]
    assert len(ids) == len(set(ids))
    assert all(re.fullmatch(r"[a-z]+\.[a-z_0-9]+", i) for i in ids)
    assert areas() == list(AREAS)


def test_every_check_is_documented():
    for spec in catalogue():
        assert spec.title and spec.sends and spec.expects and spec.rule, spec.id
        assert spec.level in Level


def test_issue_areas_are_covered():
    required = {
        "http",
        "ws",
        "obs",
        "errors",
        "mcp",
        "modes",
        "determinism",
        "isolation",
        "capacity",
        "robustness",
        "latency",
    }
    assert required <= set(areas())


def test_latency_is_informational_only():
    assert {s.id for s in catalogue() if s.level is Level.INFO} == {"latency.operations"}


def test_the_doc_page_is_the_generated_catalogue():
    page = DOC.read_text()
    assert rewrite(page) == page, (
        "docs/conformance.md is stale: run python -m envbridge.conformance.catalogue_doc "
        "docs/conformance.md"
    )
    for spec in catalogue():
        assert f"#### `{spec.id}`" in page
    assert render() in page


def test_areas_is_the_one_list_of_check_modules():
    """A check module not in AREAS would never be imported: the list names them all."""
    import envbridge.conformance.checks as checks

    folder = Path(checks.__file__).parent
    modules = {path.stem for path in folder.glob("*.py") if path.stem != "__init__"}
    assert modules == set(AREAS.values())
