"""Whole episodes through the bridge, in process, on both backends.

(Oracle and floor of every sample task: tests/bridges/harbor/test_corpus.py.)
Security: tests/ and solution/ stay invisible until submit, forged rewards gain
nothing, traversal is refused, output is capped, runaway commands die with their group.
"""

from __future__ import annotations

import time

import pytest
from envbridge.bridges.harbor import load_target
from envbridge.spec import ToolError, ToolResult

from tests.bridges.harbor.support import BASE_IMAGES, EPISODE_TASK_IDS, episode_tasks_dir

BACKENDS = [
    pytest.param("local", id="local"),
    pytest.param("docker", id="docker", marks=pytest.mark.docker),
]


@pytest.fixture(scope="module", params=BACKENDS)
def make_env(request):
    """A factory of environments over all sample tasks on one backend."""
    options = {"backend": request.param, "output_limit_bytes": 4096}
    if request.param == "docker":
        request.getfixturevalue("base_image")
        options["base_images"] = BASE_IMAGES
    else:
        request.getfixturevalue("bwrap_required")
    return load_target(str(episode_tasks_dir()), options)


@pytest.fixture
def env(make_env):
    environment = make_env()
    yield environment
    environment.close()


def submit(env) -> ToolResult:
    result = env.call_tool("submit", {})
    assert isinstance(result, ToolResult) and result.done
    return result


def test_partial_credit_through_reward_json(env):
    env.reset(options={"task_id": "csv-report"})
    env.call_tool(
        "write_file", {"path": "report.json", "content": '{"row_count": 10, "currency": "EUR"}'}
    )
    result = submit(env)
    assert result.reward == pytest.approx(0.4)
    assert result.data["rewards"] == {"reward": 0.4, "checks_passed": 2, "checks_total": 5}
    assert "PASS row_count" in result.data["test_output"]


def test_agent_cannot_see_tests_or_solution_before_submit(env):
    env.reset(options={"task_id": "csv-report"})
    listing = env.call_tool("exec", {"command": "find /tests /solution -mindepth 1 | wc -l"})
    assert listing["stdout"] == "0\n"
    search = env.call_tool(
        "exec",
        {
            "command": "find / \\( -path /proc -o -path /sys -o -path /usr \\) -prune -o "
            "\\( -name test.sh -o -name solve.sh -o -name grade.py \\) -print",
            "timeout_s": 30,
        },
    )
    assert search["stdout"] == "", search
    with pytest.raises(ToolError, match="cannot read"):
        env.call_tool("read_file", {"path": "/tests/grade.py"})
    assert submit(env).reward == 0.0


def test_forged_reward_files_gain_nothing(env):
    env.reset(options={"task_id": "hello-file"})
    env.call_tool("exec", {"command": "echo 1 > /logs/verifier/reward.txt"})
    env.call_tool("write_file", {"path": "/logs/verifier/reward.json", "content": '{"reward": 1}'})
    assert submit(env).reward == 0.0


def test_bad_arguments_and_path_traversal_are_refused(env):
    env.reset(options={"task_id": "hello-file"})
    for tool, arguments in [
        ("write_file", {"path": "../../etc/cron.d/x", "content": "x"}),
        ("read_file", {"path": "/app/../etc/shadow"}),
        ("read_file", {"path": ""}),
        ("read_file", {"path": "a\x00b"}),
        ("exec", {"command": "echo a\x00b"}),
        ("exec", {"command": "true", "timeout_s": -1}),
        ("write_file", {"path": "x"}),
    ]:
        with pytest.raises(ToolError) as raised:
            env.call_tool(tool, arguments)
        assert raised.value.error_type == "invalid_args"


def test_files_round_trip_relative_to_the_workdir(env):
    env.reset(options={"task_id": "hello-file"})
    written = env.call_tool("write_file", {"path": "notes/a.txt", "content": "héllo\n"})
    assert written == {"path": "/app/notes/a.txt", "bytes_written": 7}
    assert env.call_tool("read_file", {"path": "/app/notes/a.txt"})["content"] == "héllo\n"
    assert env.call_tool("exec", {"command": "pwd"})["stdout"] == "/app\n"
    with pytest.raises(ToolError, match="not a regular file"):
        env.call_tool("read_file", {"path": "/app/notes"})


def test_output_is_capped(env):
    env.reset(options={"task_id": "hello-file"})
    result = env.call_tool("exec", {"command": "yes | head -c 1000000; yes | head -c 9000 1>&2"})
    assert len(result["stdout"]) == 4096 and len(result["stderr"]) == 4096
    assert result["truncated"] is True and result["exit_code"] == 0
    small = env.call_tool("exec", {"command": "echo hi"})
    assert small["truncated"] is False


def _host_processes(marker: str) -> list[str]:
    from pathlib import Path

    found = []
    for entry in Path("/proc").iterdir():
        try:
            cmdline = (entry / "cmdline").read_bytes().replace(b"\0", b" ").decode()
        except OSError:
            continue
        if cmdline.strip() == marker:
            found.append(entry.name)
    return found


def test_runaway_command_is_killed_with_its_process_group(env):
    env.reset(options={"task_id": "hello-file"})
    started = time.monotonic()
    result = env.call_tool(
        "exec", {"command": "sleep 347 & sleep 347 & yes > /dev/null", "timeout_s": 1.5}
    )
    assert result["timed_out"] is True and result["exit_code"] is None
    assert time.monotonic() - started < 10
    deadline = time.monotonic() + 5
    while _host_processes("sleep 347") and time.monotonic() < deadline:
        time.sleep(0.1)
    assert _host_processes("sleep 347") == []
    assert env.call_tool("exec", {"command": "echo alive"})["stdout"] == "alive\n"


def test_agent_runs_as_the_task_user(env):
    observation = env.reset(options={"task_id": "agent-user-scripts"}).observation
    assert observation["agent_user"] == "agent"
    assert (
        env.call_tool("exec", {"command": "id -un; echo $HOME"})["stdout"] == "agent\n/home/agent\n"
    )
    denied = env.call_tool("exec", {"command": "touch /etc/owned"})
    assert denied["exit_code"] != 0
    with pytest.raises(ToolError, match="cannot write"):
        env.call_tool("write_file", {"path": "/root/x", "content": "x"})


def test_reset_picks_tasks_by_id_index_and_seed(env):
    assert env.reset(options={"task_id": "csv-report"}).observation["task_id"] == "csv-report"
    assert env.reset(options={"index": 0}).observation["task_id"] == EPISODE_TASK_IDS[0]
    seeded = env.reset(seed=len(EPISODE_TASK_IDS) + 1).observation
    assert seeded["task_id"] == EPISODE_TASK_IDS[1]
    assert "canary" not in seeded["instruction"] and seeded["instruction"].strip()


def test_episode_is_over_after_submit(env):
    env.reset(options={"task_id": "hello-file"})
    submit(env)
    assert env.state()["done"] is True
    with pytest.raises(ToolError, match="reset"):
        env.call_tool("exec", {"command": "true"})


def test_step_budget_submits_automatically(make_env):
    env = make_env.func(*make_env.args)
    env.settings = env.settings.model_copy(update={"max_steps": 2})
    try:
        env.reset(options={"task_id": "hello-file"})
        first = env.call_tool("exec", {"command": "printf 'Hello, harbor!\\n' > greeting.txt"})
        assert first["exit_code"] == 0
        last = env.call_tool("exec", {"command": "cat greeting.txt"})
        assert isinstance(last, ToolResult) and last.done and last.reward == 1.0
        assert last.data["auto_submitted"] == "max_steps"
        assert last.data["last_result"]["stdout"] == "Hello, harbor!\n"
    finally:
        env.close()


def test_network_is_off_by_default(env):
    import socket

    with socket.create_server(("127.0.0.1", 0)) as server:
        port = server.getsockname()[1]
        env.reset(options={"task_id": "hello-file"})
        probe = env.call_tool(
            "exec",
            {
                "command": f"python3 -c \"import socket; socket.create_connection(('127.0.0.1', "
                f'{port}), timeout=2)" && echo reached || echo blocked',
                "timeout_s": 20,
            },
        )
    assert probe["stdout"] == "blocked\n", probe
