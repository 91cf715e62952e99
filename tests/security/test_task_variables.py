"""Attack 7: a task's ``[environment].env`` / ``[verifier].env`` say ``${VAR}`` to pull the
server's own secrets into what the agent (or a task author's test script) sees.

Defence: only variables the operator allow-lists (``--pass-env NAME``, serve option
``pass_env``) are expanded; any other reference is an error when the tasks load, except
``${VAR:-default}``, which gets its default whatever the server's environment holds.
"""

from __future__ import annotations

import pytest
from envbridge.bridges.harbor import load_target

from tests.security.support import make_task, open_env

SECRET = "hunter2-from-the-server"


@pytest.fixture
def server_secret(monkeypatch):
    monkeypatch.setenv("SEC_TEST_TOKEN", SECRET)
    return "SEC_TEST_TOKEN"


@pytest.mark.parametrize(
    "toml",
    [
        '[environment]\nenv = { LEAK = "${SEC_TEST_TOKEN}" }\n',
        '[environment]\nenv = { LEAK = "prefix-$SEC_TEST_TOKEN" }\n',
        '[verifier]\nenv = { LEAK = "${SEC_TEST_TOKEN}/x" }\n',
    ],
    ids=["braces", "bare", "verifier"],
)
def test_unlisted_variables_are_a_load_time_error(server_secret, tmp_path, toml, bwrap_required):
    task = make_task(tmp_path, toml=toml)
    with pytest.raises(ValueError, match=r"SEC_TEST_TOKEN.*--pass-env SEC_TEST_TOKEN"):
        load_target(str(task), {"backend": "local"})


def test_agent_never_sees_an_unlisted_secret_but_sees_a_listed_one(
    server_secret, tmp_path, request
):
    task = make_task(tmp_path, toml='[environment]\nenv = { LEAK = "${SEC_TEST_TOKEN}" }\n')
    with pytest.raises(ValueError):
        open_env(task, "local", request)
    env = open_env(task, "local", request, pass_env=[server_secret])
    try:
        env.reset()
        seen = env.call_tool("exec", {"command": 'echo "$LEAK"'})["stdout"].strip()
        assert seen == SECRET
    finally:
        env.close()


def test_a_default_never_lets_the_server_value_through(server_secret, tmp_path, request):
    task = make_task(
        tmp_path,
        toml='[environment]\nenv = { LEAK = "${SEC_TEST_TOKEN:-task-default}" }\n',
        test_sh='[ "$LEAK" = task-default ] && echo 0.5 > /logs/verifier/reward.txt\n',
    )
    (task / "task.toml").write_text(
        (task / "task.toml").read_text()
        + '[verifier]\nenv = { LEAK = "${SEC_TEST_TOKEN:-task-default}" }\n'
    )
    env = open_env(task, "local", request)
    try:
        env.reset()
        seen = env.call_tool("exec", {"command": 'echo "$LEAK"'})["stdout"].strip()
        assert seen == "task-default"
        assert env.call_tool("submit", {}).reward == 0.5  # test.sh saw the default too
    finally:
        env.close()


def test_pass_env_is_a_serve_flag():
    from envbridge.cli import build_parser

    args = build_parser().parse_args(["serve", "harbor:x", "--pass-env", "A", "--pass-env", "B"])
    assert args.pass_env == ["A", "B"]
