"""Our task.toml models: every harbor field, unknown keys reported, legacy migration."""

from __future__ import annotations

import tomllib

import pytest
from envbridge.bridges.harbor.config import TaskConfig, unknown_keys
from envbridge.bridges.harbor.task import TaskLoadError, load_task, load_tasks, strip_canary
from pydantic import ValidationError

FULL_TOML = """
schema_version = "1.4"
source = "https://example.org/tasks"
multi_step_reward_strategy = "final"
artifacts = ["/app/out.txt", { source = "/logs/x", destination = "x", exclude = ["*.tmp"] }]

[task]
name = "org/full-task"
version = "1.0"
description = "everything"
keywords = ["a"]
authors = [{ name = "Ada", email = "ada@example.org" }]

[metadata]
difficulty = "hard"
anything = { goes = 1 }

[agent]
timeout_sec = 12.5
user = 1000
network_mode = "no-network"

[verifier]
timeout_sec = 30
env = { TOKEN = "${HOME}" }
user = "tester"
environment_mode = "shared"

[[verifier.collect]]
command = "cp /x /logs/verifier"

[solution]
env = { FOO = "bar" }

[environment]
network_mode = "allowlist"
allowed_hosts = ["pypi.org", "*.debian.org"]
build_timeout_sec = 100
docker_image = "img:1"
os = "linux"
cpus = 1.5
memory_mb = 256
storage_mb = 1024
gpus = 0
gpu_types = ["a100"]
tpu = { type = "v5e", topology = "2x4" }
env = { A = "1" }
skills_dir = "/skills"
workdir = "/work"
mcp_servers = [{ name = "fs", transport = "stdio", command = "mcp-fs", args = ["/"] }]

[environment.healthcheck]
command = "true"
retries = 1
"""


def test_every_harbor_field_parses():
    config = TaskConfig.model_validate(tomllib.loads(FULL_TOML))
    assert config.task.name == "org/full-task" and config.task.authors[0].email
    assert config.agent.timeout_sec == 12.5 and config.agent.user == 1000
    assert config.verifier.collect[0].timeout_sec == 60.0
    assert config.environment.tpu.topology == "2x4"
    assert config.environment.healthcheck.interval_sec == 5.0
    assert config.environment.mcp_servers[0].transport == "stdio"
    assert config.artifacts[1].exclude == ["*.tmp"]
    assert config.metadata["anything"] == {"goes": 1}
    assert unknown_keys(config) == []


def test_defaults_match_harbor():
    config = TaskConfig()
    assert config.schema_version == "1.4"
    assert config.verifier.timeout_sec == 600.0 and config.agent.timeout_sec is None
    assert config.environment.network_mode == "public"
    assert config.environment.build_timeout_sec == 600.0
    assert config.verifier.separate is False


def test_unknown_keys_are_reported_with_their_path():
    config = TaskConfig.model_validate(
        {
            "verifier": {"timeout_secs": 5},
            "environment": {"healthcheck": {"command": "true", "retry": 2}},
            "typo_root": 1,
            "metadata": {"free": "form"},
        }
    )
    assert sorted(unknown_keys(config)) == [
        "environment.healthcheck.retry",
        "typo_root",
        "verifier.timeout_secs",
    ]


def test_legacy_spellings_are_migrated():
    config = TaskConfig.model_validate(
        {
            "version": "1.0",
            "environment": {"memory": "2G", "storage": "512M", "allow_internet": False},
        }
    )
    assert config.schema_version == "1.0"
    assert config.environment.memory_mb == 2048 and config.environment.storage_mb == 512
    assert config.environment.network_mode == "no-network"


@pytest.mark.parametrize(
    "data",
    [
        {"environment": {"allowed_hosts": ["x.org"]}},
        {"verifier": {"environment_mode": "shared", "environment": {}}},
        {"task": {"name": "no-slash"}},
        {"environment": {"memory": "lots"}},
    ],
)
def test_invalid_configs_are_rejected(data):
    with pytest.raises(ValidationError):
        TaskConfig.model_validate(data)


def test_separate_mode_is_implied_by_a_verifier_environment():
    assert TaskConfig.model_validate({"verifier": {"environment": {}}}).verifier.separate


def test_canary_lines_are_stripped():
    text = "# BENCHMARK DATA canary GUID 123\n<!-- canary -->\n\nDo the thing.\n# not canary\n"
    assert strip_canary(text) == "Do the thing.\n# not canary\n"
    assert strip_canary("No canary here.\n") == "No canary here.\n"


def _task(tmp_path, toml="", test_sh=True, instruction=True):
    (tmp_path / "environment").mkdir()
    (tmp_path / "environment" / "Dockerfile").write_text("FROM python:3.12-slim\n")
    (tmp_path / "task.toml").write_text(toml)
    if instruction:
        (tmp_path / "instruction.md").write_text("go\n")
    if test_sh:
        (tmp_path / "tests").mkdir()
        (tmp_path / "tests" / "test.sh").write_text("echo 1 > /logs/verifier/reward.txt\n")
    return tmp_path


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"toml": "[agent\n"}, "invalid TOML"),
        ({"toml": "[agent]\ntimeout_sec = 'soon'\n"}, "agent.timeout_sec"),
        ({"test_sh": False}, "no tests/test.sh"),
        ({"instruction": False}, "no instruction.md"),
    ],
)
def test_broken_task_dirs_get_clear_errors(tmp_path, kwargs, message):
    with pytest.raises(TaskLoadError, match=message):
        load_task(_task(tmp_path, **kwargs))


def test_missing_paths_get_clear_errors(tmp_path):
    with pytest.raises(TaskLoadError, match=r"no task\.toml"):
        load_task(tmp_path)
    with pytest.raises(TaskLoadError, match="holds no task directories"):
        load_tasks(tmp_path)
    with pytest.raises(TaskLoadError, match="does not exist"):
        load_tasks(tmp_path / "nope")


def test_a_folder_of_tasks_loads_sorted(tasks_dir):
    tasks = load_tasks(tasks_dir)
    assert [task.id for task in tasks] == sorted(task.id for task in tasks)
    assert len(tasks) >= 5
    assert all("canary" not in task.instruction for task in tasks)
