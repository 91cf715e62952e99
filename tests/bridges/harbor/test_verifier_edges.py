"""Harbor's verifier rules on purpose-built tasks (local backend): reward.json wins,
missing or broken reward files score the floor with a reason, verifier and agent
timeouts, failing builds and healthchecks give clear errors and leave nothing behind."""

from __future__ import annotations

import shutil

import pytest
from envbridge.bridges.harbor import load_target
from envbridge.bridges.harbor.backends import SandboxError
from envbridge.spec import InvalidAction, ToolResult

from tests.bridges.harbor.support import TASKS_DIR, episode_tasks_dir


def make_task(tmp_path, test_sh, toml="", dockerfile="FROM python:3.12-slim\nWORKDIR /app\n"):
    task = tmp_path / "edge"
    (task / "environment").mkdir(parents=True)
    (task / "tests").mkdir()
    (task / "environment" / "Dockerfile").write_text(dockerfile)
    (task / "task.toml").write_text(toml)
    (task / "instruction.md").write_text("# canary GUID x\n\nNothing to do.\n")
    (task / "tests" / "test.sh").write_text("#!/bin/bash\n" + test_sh)
    return task


def episode(task_dir, **options):
    env = load_target(str(task_dir), {"backend": "local", **options})()
    return env


def submit_once(task_dir, **options) -> ToolResult:
    env = episode(task_dir, **options)
    try:
        env.reset()
        return env.call_tool("submit", {})
    finally:
        env.close()


@pytest.fixture(autouse=True)
def _bwrap(bwrap_required):
    return bwrap_required


def test_reward_json_wins_over_reward_txt(tmp_path):
    task = make_task(
        tmp_path,
        "echo 1 > /logs/verifier/reward.txt\n"
        'echo \'{"reward": 0.25, "style": 1}\' > /logs/verifier/reward.json\n',
    )
    result = submit_once(task)
    assert result.reward == 0.25 and result.data["rewards"] == {"reward": 0.25, "style": 1}


@pytest.mark.parametrize(
    ("test_sh", "reason"),
    [
        ("echo no reward\nexit 0\n", "neither"),
        ("echo 'true' > /logs/verifier/reward.txt\n", "one number"),
        ('echo \'{"a": 1, "b": 2}\' > /logs/verifier/reward.json\n', "no 'reward' key"),
        ("tool=frobnicate-xyz\n$tool\n", "command not found"),  # hidden from lint
    ],
)
def test_unusable_reward_scores_the_floor_with_a_reason(tmp_path, test_sh, reason):
    result = submit_once(make_task(tmp_path, test_sh))
    assert result.reward == 0.0 and result.done
    assert reason in result.data["verifier_error"]


def test_test_sh_runs_with_verifier_env_user_and_exit_code_ignored(tmp_path, monkeypatch):
    monkeypatch.setenv("EDGE_SECRET", "from-host")
    task = make_task(
        tmp_path,
        'echo "$GREETING $(id -un) $(pwd)"\n[ "$GREETING" = from-host ] && echo 1 '
        "> /logs/verifier/reward.txt\nexit 3\n",
        toml='[verifier]\nuser = "nobody"\nenv = { GREETING = "${EDGE_SECRET:-unset}" }\n',
    )
    result = submit_once(task, pass_env=["EDGE_SECRET"])  # the operator lets it through
    assert result.reward == 1.0, result.data
    assert result.data["test_output"] == "from-host nobody /app\n"


def test_verifier_timeout_is_reported(tmp_path):
    task = make_task(
        tmp_path, "sleep 30\necho 1 > /logs/verifier/reward.txt\n", "[verifier]\ntimeout_sec = 1\n"
    )
    result = submit_once(task)
    assert result.reward == 0.0 and "timeout_sec" in result.data["verifier_error"]


def test_agent_timeout_submits_automatically(tmp_path):
    task = make_task(
        tmp_path,
        "test -f /app/done && echo 1 > /logs/verifier/reward.txt || echo 0 > "
        "/logs/verifier/reward.txt\n",
        "[agent]\ntimeout_sec = 1.5\n",
    )
    env = episode(task)
    try:
        env.reset()
        result = env.call_tool("exec", {"command": "touch /app/done; sleep 20"})
        assert isinstance(result, ToolResult) and result.done and result.reward == 1.0
        assert result.data["auto_submitted"] == "agent_timeout"
        assert result.data["last_result"]["timed_out"] is True
    finally:
        env.close()


def test_failing_run_line_is_a_clear_error_and_leaves_nothing(tmp_path):
    task = make_task(
        tmp_path, "true\n", dockerfile="FROM python:3.12-slim\nRUN echo building\nRUN exit 7\n"
    )
    env = episode(task)
    with pytest.raises(SandboxError, match=r"Dockerfile line 3: RUN 'exit 7' failed .*exit 7"):
        env.reset()
    env.close()


def test_failing_healthcheck_is_a_clear_error(tmp_path):
    task = make_task(
        tmp_path,
        "true\n",
        toml='[environment.healthcheck]\ncommand = "test -f /nope"\n'
        "interval_sec = 0.1\nretries = 1\n",
    )
    env = episode(task)
    with pytest.raises(SandboxError, match="healthcheck 'test -f /nope' failed 1 times in a row"):
        env.reset()
    env.close()


def test_bad_reset_options_are_invalid_actions(tmp_path):
    env = load_target(str(episode_tasks_dir()), {"backend": "local"})()
    for options, message in [
        ({"task_id": "nope"}, "known task ids"),
        ({"index": 99}, "out of range"),
        ({"index": "0"}, "must be an integer"),
    ]:
        with pytest.raises(InvalidAction, match=message):
            env.reset(options=options)
    env.close()


def test_load_target_refuses_bad_paths_options_and_unsupported_tasks(tmp_path):
    with pytest.raises(ValueError, match="does not exist"):
        load_target(str(tmp_path / "missing"), {})
    with pytest.raises(ValueError, match=r"bad options.*backend"):
        load_target(str(episode_tasks_dir()), {"backend": "podman"})
    with pytest.raises(ValueError, match="not IMAGE=LOCAL_IMAGE"):
        load_target(str(episode_tasks_dir()), {"base_images": ["python"]})
    task = make_task(tmp_path, "true\n", toml='[[steps]]\nname = "a"\n')
    with pytest.raises(ValueError, match=r"\[multi-step\]"):
        load_target(str(task), {"backend": "local"})


def test_copy_semantics_follow_docker(tmp_path):
    task = make_task(
        tmp_path,
        "true\n",
        dockerfile="FROM python:3.12-slim\nARG DEST=/srv/data\nENV OUT=$DEST/out\n"
        "WORKDIR /app\nCOPY files/ $DEST/\nCOPY one.txt renamed.txt\nCOPY one.txt /opt/\n",
    )
    (task / "environment" / "files").mkdir()
    (task / "environment" / "files" / "a.txt").write_text("a")
    (task / "environment" / "one.txt").write_text("one")
    shutil.copymode(task / "tests" / "test.sh", task / "environment" / "one.txt")
    env = episode(task)
    try:
        env.reset()
        listing = env.call_tool(
            "exec", {"command": "cat /srv/data/a.txt renamed.txt /opt/one.txt; echo; echo $OUT"}
        )
        assert listing["stdout"] == "aoneone\n/srv/data/out\n"
    finally:
        env.close()


def test_serving_logs_unknown_task_toml_keys(tmp_path, caplog):
    task = make_task(tmp_path, "true\n", toml="[verifier]\ntimeout_secs = 5\n")
    with caplog.at_level("WARNING"):
        load_target(str(task), {"backend": "local"})
    assert "unknown key 'verifier.timeout_secs'" in caplog.text


def test_concurrent_episodes_are_isolated(tmp_path):
    from concurrent.futures import ThreadPoolExecutor

    make = load_target(str(TASKS_DIR / "hello-file"), {"backend": "local"})
    first, second = make(), make()
    try:
        with ThreadPoolExecutor(2) as pool:
            list(pool.map(lambda env: env.reset(), (first, second)))
            first.call_tool("write_file", {"path": "greeting.txt", "content": "Hello, harbor!\n"})
            assert second.call_tool("exec", {"command": "ls /app"})["stdout"] == ""
            submit = lambda env: env.call_tool("submit", {}).reward  # noqa: E731
            rewards = list(pool.map(submit, (first, second)))
    finally:
        first.close()
        second.close()
    assert rewards == [1.0, 0.0]


def test_local_background_processes_end_with_their_exec():
    env = load_target(str(TASKS_DIR / "hello-file"), {"backend": "local"})()
    try:
        env.reset()
        started = env.call_tool("exec", {"command": "sleep 311 & echo started"})
        assert started["stdout"] == "started\n" and started["exit_code"] == 0
        assert env.call_tool("exec", {"command": "pgrep -c sleep || true"})["stdout"] == "0\n"
    finally:
        env.close()


def test_harborignore_keeps_files_out_of_tests(tmp_path):
    task = make_task(
        tmp_path,
        "[ -f /tests/keep.txt ] && [ ! -e /tests/secret.txt ] && [ ! -e /tests/sub/x.pyc ] "
        "&& [ ! -e /tests/big ] && echo 1 > /logs/verifier/reward.txt\n",
    )
    (task / ".harborignore").write_text("tests/secret.txt\n*.pyc\nbig/\n")
    for name in ("keep.txt", "secret.txt", "sub/x.pyc", "sub/y.py", "big/blob"):
        (task / "tests" / name).parent.mkdir(parents=True, exist_ok=True)
        (task / "tests" / name).write_text("x")
    assert submit_once(task).reward == 1.0


@pytest.mark.parametrize(
    ("toml", "network", "reachable"),
    [
        ("", True, True),
        ("", False, False),
        ('[environment]\nnetwork_mode = "no-network"\n', True, False),
        ('[agent]\nnetwork_mode = "no-network"\n', True, False),
    ],
)
def test_network_only_when_allowed_by_serve_options_and_task(tmp_path, toml, network, reachable):
    import socket

    task = make_task(tmp_path, "true\n", toml=toml)
    env = episode(task, network=network)
    with socket.create_server(("127.0.0.1", 0)) as server:
        port = server.getsockname()[1]
        try:
            env.reset()
            connect = f"import socket; socket.create_connection(('127.0.0.1', {port}), timeout=2)"
            probe = env.call_tool("exec", {"command": f'python3 -c "{connect}"'})
        finally:
            env.close()
    assert (probe["exit_code"] == 0) is reachable, probe
