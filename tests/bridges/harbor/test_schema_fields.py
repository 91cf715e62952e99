"""Every task.toml field of the current schema is honoured, or lint says why not.

The field table (``envbridge.bridges.harbor.fields.FIELDS``) must name every field of our
models of harbor's schema; each field that is not honoured, used by a task, produces a
lint finding naming the field. ``gpus = 0`` and an empty ``gpu_types`` ask for nothing.
"""

from __future__ import annotations

import pytest
from envbridge.bridges.harbor import config as models
from envbridge.bridges.harbor.cli import main
from envbridge.bridges.harbor.fields import FIELDS
from envbridge.bridges.harbor.lint import errors, lint_task
from envbridge.bridges.harbor.task import TaskLoadError, load_task
from pydantic import BaseModel

from tests.bridges.harbor.test_lint import make_task

SECTIONS = {
    "agent": models.AgentConfig,
    "verifier": models.VerifierConfig,
    "environment": models.EnvironmentConfig,
    "solution": models.SolutionConfig,
}

# One task.toml using each field in the way the bridge does not honour.
NOT_HONOURED = {
    "multi_step_reward_strategy": 'multi_step_reward_strategy = "final"\n',
    "steps": '[[steps]]\nname = "one"\n',
    "artifacts": 'artifacts = ["/app/out.txt"]\n',
    "agent.network_mode": '[agent]\nnetwork_mode = "allowlist"\n',
    "agent.allowed_hosts": '[agent]\nnetwork_mode = "allowlist"\nallowed_hosts = ["a.org"]\n',
    "verifier.network_mode": '[verifier]\nnetwork_mode = "no-network"\n',
    "verifier.allowed_hosts": '[verifier]\nnetwork_mode = "allowlist"\nallowed_hosts = ["a"]\n',
    "verifier.environment_mode": '[verifier]\nenvironment_mode = "separate"\n',
    "verifier.environment": "[verifier.environment]\ncpus = 1\n",
    "verifier.collect": '[[verifier.collect]]\ncommand = "true"\n',
    "environment.network_mode": '[environment]\nnetwork_mode = "allowlist"\n',
    "environment.allowed_hosts": '[environment]\nnetwork_mode = "allowlist"\n'
    'allowed_hosts = ["pypi.org"]\n',
    "environment.os": '[environment]\nos = "Windows"\n',
    "environment.storage_mb": "[environment]\nstorage_mb = 10240\n",
    "environment.gpus": "[environment]\ngpus = 1\n",
    "environment.gpu_types": '[environment]\ngpus = 0\ngpu_types = ["H100"]\n',
    "environment.tpu": '[environment.tpu]\ntype = "v6e"\ntopology = "2x4"\n',
    "environment.skills_dir": '[environment]\nskills_dir = "/skills"\n',
}
LOCAL_ONLY = {
    "environment.docker_image": '[environment]\ndocker_image = "envbridge/base:py3"\n',
    "environment.cpus": "[environment]\ncpus = 2\n",
    "environment.memory_mb": "[environment]\nmemory_mb = 512\n",
    "environment.mcp_servers": '[[environment.mcp_servers]]\nname = "m"\ntransport = "stdio"\n'
    'command = "m"\n',
}


def test_the_field_table_names_every_field_of_the_schema():
    expected = {name for name in models.TaskConfig.model_fields if name not in SECTIONS}
    for section, model in SECTIONS.items():
        expected |= {f"{section}.{name}" for name in model.model_fields}
    assert expected - set(FIELDS) == set(), "fields without a verdict"
    for path, use in FIELDS.items():
        assert use.how, path
        if use.verdict != "honoured" or use.local is not None:
            assert use.used is not None and use.rule, f"{path} needs a rule and a predicate"


def test_the_table_of_not_honoured_fields_is_covered_by_examples():
    shared = {p for p, use in FIELDS.items() if use.verdict != "honoured"}
    local = {p for p, use in FIELDS.items() if use.local is not None}
    assert shared == set(NOT_HONOURED) and local == set(LOCAL_ONLY)


@pytest.mark.parametrize("path", sorted(NOT_HONOURED))
def test_each_field_not_honoured_is_reported_by_lint_naming_it(tmp_path, path):
    task = load_task(make_task(tmp_path / "t", NOT_HONOURED[path]))
    use = FIELDS[path]
    named = [f for f in lint_task(task) if f.rule == use.rule and f.message.startswith(path)]
    assert named, lint_task(task)
    expected = "error" if use.verdict == "refused" else ("warning", "info")
    assert named[0].severity in expected
    assert use.how in named[0].message


@pytest.mark.parametrize("path", sorted(LOCAL_ONLY))
def test_fields_honoured_by_docker_only_are_reported_for_local(tmp_path, path):
    task_dir = make_task(tmp_path / "t", LOCAL_ONLY[path])
    task = load_task(task_dir)
    assert not [f for f in lint_task(task, "docker") if f.message.startswith(path)]
    local = [f for f in lint_task(task, "local") if f.message.startswith(path)]
    assert local and FIELDS[path].local[1] in local[0].message


@pytest.mark.parametrize(
    "toml",
    ["[environment]\ngpus = 0\n", "[environment]\ngpus = 0\ngpu_types = []\n",
     "[environment]\ngpu_types = []\n"],
)  # fmt: skip
def test_zero_gpus_and_no_gpu_types_ask_for_no_accelerator(tmp_path, toml):
    task = load_task(make_task(tmp_path / "t", toml))
    assert not task.config.environment.accelerators
    findings = lint_task(task, "docker") + lint_task(task, "local")
    assert {f.rule for f in findings} & {"accelerators", "gpu-types"} == set(), findings


def test_gpu_types_without_gpus_are_ignored_not_refused(tmp_path):
    task = load_task(make_task(tmp_path / "t", NOT_HONOURED["environment.gpu_types"]))
    assert errors(lint_task(task)) == []
    assert [f.severity for f in lint_task(task) if f.rule == "gpu-types"] == ["info"]


CURRENT_SCHEMA = """\
schema_version = "1.4"
source = "https://example.org/tasks"

[task]
name = "envbridge/current"
version = "1"
description = "every honoured field"
authors = [{ name = "A", email = "a@example.org" }]
keywords = ["k"]

[metadata]
difficulty = "easy"

[verifier]
timeout_sec = 60.0
env = { TOKEN = "x" }
user = "root"
environment_mode = "shared"

[agent]
timeout_sec = 120.0
user = "root"

[solution]
env = { HINT = "y" }

[environment]
network_mode = "no-network"
build_timeout_sec = 300.0
os = "LINUX"
cpus = 1.0
memory_mb = 512
gpus = 0
gpu_types = []
env = { A = "1" }
workdir = "/srv"

[environment.healthcheck]
command = "true"
interval_sec = 1
timeout_sec = 5
start_period_sec = 0
start_interval_sec = 1
retries = 2
"""


def test_a_task_in_the_current_schema_lints_clean_on_docker(tmp_path):
    task_dir = make_task(tmp_path / "t", CURRENT_SCHEMA)
    (task_dir / "solution").mkdir()
    (task_dir / "solution" / "solve.sh").write_text("true\n")
    task = load_task(task_dir)
    assert lint_task(task, "docker") == []
    env = task.config.environment
    assert (env.os, env.cpus, env.gpus) == ("linux", 1, 0)
    assert isinstance(env.cpus, int)


@pytest.mark.parametrize(
    ("toml", "message"),
    [
        ('[[environment.mcp_servers]]\nname = "m"\n', "needs 'url'"),
        ('[[environment.mcp_servers]]\nname = "m"\ntransport = "stdio"\n', "needs 'command'"),
        ('[environment]\nmemory = "1G"\nmemory_mb = 512\n', "disagree"),
        ('[task]\nname = "a/b"\nversion = ""\n', "task.version"),
    ],
)
def test_current_schema_validation_errors_are_clear(tmp_path, toml, message):
    with pytest.raises(TaskLoadError, match=message):
        load_task(make_task(tmp_path / "t", toml))


def test_legacy_http_transport_is_streamable_http(tmp_path):
    toml = '[[environment.mcp_servers]]\nname = "m"\ntransport = "http"\nurl = "http://x/mcp"\n'
    task = load_task(make_task(tmp_path / "t", toml))
    assert task.config.environment.mcp_servers[0].transport == "streamable-http"


def test_lint_fields_prints_every_field(capsys):
    assert main(["--fields"]) == 0
    printed = capsys.readouterr().out.splitlines()
    assert [line.split()[0] for line in printed] == list(FIELDS)
    assert any("storage_mb" in line and "ignored" in line for line in printed)


def test_every_model_is_a_pydantic_model():  # the walk above relies on it
    assert all(issubclass(model, BaseModel) for model in SECTIONS.values())
