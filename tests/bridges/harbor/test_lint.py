"""`envbridge harbor lint` reports unsupported features before an episode starts."""

from __future__ import annotations

import json

import pytest
from envbridge.bridges.harbor.cli import main
from envbridge.bridges.harbor.host_tools import missing_on_host, script_commands
from envbridge.bridges.harbor.lint import errors, lint_task
from envbridge.bridges.harbor.task import load_task, load_tasks

from tests.bridges.harbor.support import episode_tasks_dir


def make_task(root, toml="", test_sh="echo 1 > /logs/verifier/reward.txt\n", dockerfile=None):
    root.mkdir(parents=True, exist_ok=True)
    (root / "environment").mkdir(exist_ok=True)
    (root / "environment" / "Dockerfile").write_text(dockerfile or "FROM python:3.12-slim\n")
    (root / "task.toml").write_text(toml)
    (root / "instruction.md").write_text("do it\n")
    (root / "tests").mkdir(exist_ok=True)
    (root / "tests" / "test.sh").write_text(test_sh)
    return root


def rules(task_dir, backend=None):
    return {finding.rule for finding in lint_task(load_task(task_dir), backend)}


def test_sample_tasks_are_clean_on_both_backends(tasks_dir):
    for task in load_tasks(episode_tasks_dir()):
        assert errors(lint_task(task, "local")) == [], task.id
        assert errors(lint_task(task)) == [], task.id


@pytest.mark.parametrize(
    ("toml", "extra_file", "rule"),
    [
        ('[[steps]]\nname = "one"\n', None, "multi-step"),
        ('[verifier]\nenvironment_mode = "separate"\n', None, "separate-verifier"),
        ('[environment]\nnetwork_mode = "allowlist"\nallowed_hosts = ["a.org"]\n', None,
         "network-allowlist"),
        ('[[verifier.collect]]\ncommand = "true"\n', None, "verifier-collect"),
        ("[environment]\ngpus = 1\n", None, "accelerators"),
        ('[environment]\nos = "windows"\n', None, "windows"),
    ],
)  # fmt: skip
def test_unsupported_features_are_errors(tmp_path, toml, extra_file, rule):
    task_dir = make_task(tmp_path / "t", toml)
    if extra_file:
        (task_dir / extra_file).write_text("services: {}\n")
    findings = lint_task(load_task(task_dir))
    assert rule in {finding.rule for finding in errors(findings)}


def test_unknown_keys_and_advisories_are_warnings(tmp_path):
    task_dir = make_task(
        tmp_path / "t",
        '[verifier]\ntimeout_secs = 5\n[environment]\nskills_dir = "/skills"\n',
    )
    findings = lint_task(load_task(task_dir))
    assert errors(findings) == []
    assert {"unknown-config-field", "skills-dir", "no-solution"} <= {f.rule for f in findings}
    unknown = next(f for f in findings if f.rule == "unknown-config-field")
    assert "verifier.timeout_secs" in unknown.message


def test_local_backend_reports_tools_missing_on_the_host(tmp_path):
    task_dir = make_task(
        tmp_path / "t",
        test_sh="frobnicate-xyz --all && python3 -m no_such_module_xyz\n"
        "echo 1 > /logs/verifier/reward.txt\n",
    )
    findings = [f for f in lint_task(load_task(task_dir), "local") if f.rule == "host-tool-missing"]
    assert len(findings) == 2 and all(f.severity == "error" for f in findings)
    assert "frobnicate-xyz" in findings[0].message and "no_such_module_xyz" in findings[1].message
    assert "host-tool-missing" not in rules(task_dir)  # only the local backend needs host tools


def test_local_backend_warns_about_installs_and_multi_stage(tmp_path):
    task_dir = make_task(
        tmp_path / "t",
        dockerfile="FROM python:3.12 AS build\nRUN pip install numpy\nFROM python:3.12-slim\n"
        "COPY --from=build /x /x\n",
    )
    assert {"local-run-install", "local-multi-stage"} <= rules(task_dir, "local")


def test_script_commands_skip_builtins_quotes_and_heredocs():
    script = (
        "#!/bin/bash\nset -e\nif [ -f x ]; then echo ok; fi\n"
        "awk '{print $1}' f | sort -u > out\nhelper() { true; }\nhelper\n"
        "cat <<EOF\nnot_a_command here\nEOF\nFOO=1 pytest -q  # run\n"
    )
    assert script_commands(script) == {"awk", "sort", "cat", "pytest"}
    assert missing_on_host("ls /\n") == []


def test_cli_exit_codes_and_json(tmp_path, tasks_dir, capsys):
    assert main([str(tasks_dir / "hello-file"), "--backend", "local"]) == 0
    assert "hello-file: ok" in capsys.readouterr().out
    assert main([str(tasks_dir), "--backend", "local"]) == 1  # some tasks are docker-only
    assert "tb2-primes-uvx: NOT SUPPORTED" in capsys.readouterr().out
    make_task(tmp_path / "tasks" / "bad", '[[steps]]\nname = "a"\n')
    make_task(tmp_path / "tasks" / "good")
    assert main([str(tmp_path / "tasks"), "--json"]) == 1
    report = json.loads(capsys.readouterr().out)
    assert [f["rule"] for f in report["bad"] if f["severity"] == "error"] == ["multi-step"]
    assert not [f for f in report["good"] if f["severity"] == "error"]
    (tmp_path / "tasks" / "broken").mkdir()
    (tmp_path / "tasks" / "broken" / "task.toml").write_text("[agent\n")
    assert main([str(tmp_path / "tasks"), "--json"]) == 1
    report = json.loads(capsys.readouterr().out)
    assert (
        report["broken"][0]["rule"] == "load-error"
        and "invalid TOML" in report["broken"][0]["message"]
    )
    assert main([str(tmp_path / "missing")]) == 2
    assert "neither a task directory" in capsys.readouterr().err


@pytest.mark.docker
def test_cli_docker_checks_name_an_image_without_stand_in(tmp_path, tasks_dir, base_image, capsys):
    task_dir = make_task(tmp_path / "t", dockerfile="FROM alpine:3.20\n")
    assert main([str(task_dir), "--backend", "docker"]) == 1
    out = capsys.readouterr().out
    assert "'alpine:3.20'" in out and "--base-image alpine:3.20=LOCAL" in out
    mapped = ["--base-image", f"python:3.12-slim={base_image}"]
    assert main([str(tasks_dir / "hello-file"), "--backend", "docker", *mapped]) == 0


def test_compose_sidecars_need_docker_and_unknown_keys_are_listed(tmp_path):
    task_dir = make_task(tmp_path / "t")
    (task_dir / "environment" / "docker-compose.yaml").write_text(
        "services:\n  db:\n    image: postgres:16\n    ports: ['5432:5432']\n"
    )
    task = load_task(task_dir)
    assert "compose-sidecars" in {f.rule for f in errors(lint_task(task, "local"))}
    docker = {f.rule: f for f in lint_task(task, "docker")}
    assert docker["compose-sidecars"].severity == "info"
    assert docker["compose-ignored"].message.endswith("db.ports")
    (task_dir / "environment" / "docker-compose.yaml").write_text("services:\n  db: {}\n")
    broken = errors(lint_task(load_task(task_dir), "docker"))
    assert [f.rule for f in broken] == ["compose-sidecars"] and "needs 'image'" in broken[0].message
