"""``envbridge validate`` on verifiers envs: reference answers scored by the env's rubric."""

from __future__ import annotations

import json
from pathlib import Path

import jsonschema
import pytest

from envbridge.cli import main
from tests.helpers import ROOT
from tests.validation.test_validate_harbor import SCHEMA

HERE = Path(__file__).resolve().parent


@pytest.fixture(autouse=True)
def _importable(monkeypatch):
    """The sample env and this folder's bad-row env, importable by name."""
    for path in (ROOT / "envs" / "verifiers" / "vf_math", HERE):
        monkeypatch.syspath_prepend(str(path))


def test_every_row_of_both_splits_passes(tmp_path, capsys):
    report = tmp_path / "report.json"
    assert main(["validate", "verifiers:vf-math", "--jobs", "4", "--json", str(report)]) == 0
    out = capsys.readouterr().out
    assert "11 of 11 tasks: 11 pass" in out
    document = json.loads(report.read_text())
    jsonschema.validate(document, json.loads(SCHEMA.read_text()))
    measured = [
        r["measured"] for r in document["results"] if r["check_id"] == "semantic.oracle_max"
    ]
    assert {m["split"] for m in measured} == {"train", "test"}
    assert all(m["oracle_reward"] == pytest.approx(1.2) == m["max_reward"] for m in measured)
    assert all(m["floor_reward"] == 0.0 for m in measured)


def test_a_bad_row_is_reported(tmp_path, capsys):
    junit = tmp_path / "junit.xml"
    code = main(["validate", "verifiers:vf_badrow", "--quiet", "--junit", str(junit)])
    assert code == 1
    out = capsys.readouterr().out
    bad = [line for line in out.splitlines() if "oracle below max" in line]
    assert len(bad) == 1 and bad[0].split()[0] == "1"
    assert junit.read_text().count("<failure") == 1


def test_split_and_sample(capsys):
    assert main(["validate", "verifiers:vf-math", "--split", "test", "--sample", "2"]) == 0
    assert "2 of 3 tasks" in capsys.readouterr().out
    assert main(["validate", "verifiers:vf-math", "--split", "nope"]) == 2
    assert main(["validate", "verifiers:no-such-env-installed"]) == 2
