"""``envbridge validate`` on harbor tasks: the repo's tasks pass; broken ones say why."""

from __future__ import annotations

import json
import shutil
import xml.etree.ElementTree as ET
from pathlib import Path

import jsonschema
import openenv.validation
import pytest

from envbridge.cli import main
from envbridge.validation.runner import choose
from tests.bridges.harbor.support import EPISODE_TASK_IDS, TASKS_DIR

SAMPLE_TASK_IDS = sorted(EPISODE_TASK_IDS)
"""Tasks every backend runs (the repo folder also holds docker-only ones)."""

SCHEMA = Path(openenv.validation.__file__).parent / "schemas" / "report-v2.schema.json"


@pytest.fixture(autouse=True)
def _bwrap(bwrap_required):
    """The local backend runs tasks in bubblewrap."""


@pytest.fixture(scope="module")
def tasks_dir(tmp_path_factory) -> Path:
    """A folder ``harbor`` holding copies of the tasks both backends run."""
    folder = tmp_path_factory.mktemp("validate") / "harbor"
    for task_id in SAMPLE_TASK_IDS:
        shutil.copytree(TASKS_DIR / task_id, folder / task_id)
    return folder


def _broken(tmp_path: Path, name: str, solve: str | None = None, test: str | None = None) -> Path:
    task = tmp_path / "broken" / name
    shutil.copytree(TASKS_DIR / "hello-file", task)
    if solve is not None:
        (task / "solution" / "solve.sh").write_text(f"#!/bin/bash\n{solve}\n")
    if test is not None:
        (task / "tests" / "test.sh").write_text(f"#!/bin/bash\n{test}\n")
    return task


def test_the_repo_tasks_pass_with_reports(tmp_path, tasks_dir, capsys):
    report, xml = tmp_path / "report.json", tmp_path / "junit.xml"
    argv = ["validate", f"harbor:{tasks_dir}", "--backend", "local", "--jobs", "2"]
    code = main([*argv, "--json", str(report), "--junit", str(xml)])
    out = capsys.readouterr()
    assert code == 0, out.out
    for task_id in SAMPLE_TASK_IDS:
        assert f"{task_id}" in out.out
    assert f"{len(SAMPLE_TASK_IDS)} pass" in out.out and "/" in out.err  # table + progress
    document = json.loads(report.read_text())
    jsonschema.validate(document, json.loads(SCHEMA.read_text()))
    assert document["verdict"] == "pass" and document["signature"] == "task.toml"
    oracle = [r for r in document["results"] if r["check_id"] == "semantic.oracle_max"]
    assert sorted(r["measured"]["task_id"] for r in oracle) == SAMPLE_TASK_IDS
    assert all(r["measured"]["oracle_reward"] == 1.0 for r in oracle)
    cases = ET.parse(xml).getroot().findall("testcase")
    assert len(cases) == len(SAMPLE_TASK_IDS) and not ET.parse(xml).getroot().findall(".//failure")


def test_sampling_is_seeded(tasks_dir, capsys):
    argv = ["validate", f"harbor:{tasks_dir}", "--backend", "local", "--sample", "2"]
    assert main([*argv, "--seed", "3", "--quiet"]) == 0
    out = capsys.readouterr().out
    shown = [line.split()[0] for line in out.splitlines()[1:3]]
    assert shown == choose(SAMPLE_TASK_IDS, 2, 3)
    assert f"2 of {len(SAMPLE_TASK_IDS)} tasks" in out
    assert choose(SAMPLE_TASK_IDS, 2, 3) == choose(SAMPLE_TASK_IDS, 2, 3)
    assert len({tuple(choose(SAMPLE_TASK_IDS, 2, seed)) for seed in range(10)}) > 1


def test_broken_tasks_fail_and_say_why(tmp_path, capsys):
    _broken(tmp_path, "no-solution", solve="true")
    _broken(tmp_path, "always-passes", test="echo 1 > /logs/verifier/reward.txt")
    _broken(tmp_path, "solve-crashes", solve="exit 3")
    _broken(tmp_path, "test-crashes", test="exit 1")
    report = tmp_path / "report.json"
    code = main(
        [
            "validate",
            f"harbor:{tmp_path / 'broken'}",
            "--backend",
            "local",
            "--jobs",
            "2",
            "--quiet",
            "--json",
            str(report),
        ]
    )
    assert code == 1
    out = capsys.readouterr().out
    rows = {line.split()[0]: line for line in out.splitlines() if line.strip()}
    assert "oracle below max" in rows["no-solution"]
    assert "floor not below oracle" in rows["always-passes"]
    assert "oracle error: solve.sh exited 3" in rows["solve-crashes"]
    assert "test error" in rows["test-crashes"]
    document = json.loads(report.read_text())
    jsonschema.validate(document, json.loads(SCHEMA.read_text()))
    assert document["verdict"] == "fail"


@pytest.mark.parametrize(
    "target", ["harbor:/no/such/folder", "gym:CartPole-v1", "nonsense", "harbor:envs"]
)
def test_targets_that_cannot_be_validated_exit_2(target, capsys):
    assert main(["validate", target, "--backend", "local"]) == 2
    assert "envbridge validate:" in capsys.readouterr().err
