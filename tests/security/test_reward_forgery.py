"""Attack 2: a process the agent leaves running (nohup, setsid, a double fork) keeps writing
``1`` into ``/logs/verifier/reward.txt`` so the verifier reads 1.0 for an unsolved task.

Defence: before ``tests/`` is uploaded, every process the agent started is killed (the
container restarts, so its PID namespace dies; locally each command's PID namespace dies
with it and the sandbox's processes are checked), ``/logs/verifier`` is created fresh,
owned by root and writable only by the verifier user, and the reward is read after
``test.sh`` ended.
"""

from __future__ import annotations

import pytest
from envbridge.bridges.harbor.backends.base import ROOT_USER
from envbridge.bridges.harbor.verifier import verify

from tests.security.support import (
    AGENT_USER_DOCKERFILE,
    BACKENDS,
    ROOT_DOCKERFILE,
    make_task,
    open_env,
)

FORGER = "while :; do echo 1 > /logs/verifier/reward.txt 2>/dev/null; sleep 0.01; done"
LEFT_BEHIND = {
    "nohup": f"nohup bash -c '{FORGER}' >/dev/null 2>&1 &",
    "setsid": f"setsid bash -c '{FORGER}' </dev/null >/dev/null 2>&1 &",
    "double-fork": f"( ( bash -c '{FORGER}' </dev/null >/dev/null 2>&1 & ) & ); sleep 0.1",
}
AGENTS = {"root": ROOT_DOCKERFILE, "agent": AGENT_USER_DOCKERFILE}


@pytest.mark.parametrize("agent", sorted(AGENTS))
@pytest.mark.parametrize("backend", BACKENDS)
def test_background_forgers_die_before_the_verifier_runs(backend, agent, tmp_path, request):
    env = open_env(make_task(tmp_path, dockerfile=AGENTS[agent]), backend, request)
    try:
        env.reset()
        for how, command in LEFT_BEHIND.items():
            assert env.call_tool("exec", {"command": command})["exit_code"] == 0, how
        result = env.call_tool("submit", {})
        assert result.data.get("verifier_error") is None, result.data
        assert result.reward == 0.0, f"forged reward {result.reward}: {result.data}"
    finally:
        env.close()


@pytest.mark.parametrize("backend", BACKENDS)
def test_verifier_dir_is_fresh_root_owned_and_closed_to_the_agent(backend, tmp_path, request):
    """Whatever the agent leaves in /logs/verifier is gone and it cannot write there."""
    task = make_task(
        tmp_path,
        dockerfile=AGENT_USER_DOCKERFILE,
        toml='[verifier]\nuser = "root"\n',
        test_sh="ls -A /logs/verifier > /tmp/seen; echo 0 > /logs/verifier/reward.txt\n",
    )
    env = open_env(task, backend, request)
    try:
        env.reset()
        env.call_tool(
            "exec",
            {
                "command": "cd /logs/verifier && echo 1 > reward.txt && mkdir planted && "
                "ln -s /tmp planted-link && mkfifo reward.json.fifo"
            },
        )
        verification = verify(env.sandbox, env.task)
        assert verification.reward == 0.0 and verification.error is None
        seen = (env.sandbox.read_bytes("/tmp/seen", 4096) or b"").decode().split()
        planted = {"planted", "planted-link", "reward.json.fifo", "reward.txt"}
        assert not planted & set(seen), f"the verifier saw the agent's files: {seen}"
        owner = env.sandbox.exec("stat -c '%U %a' /logs/verifier", user=ROOT_USER).stdout
        assert owner.split() == ["root", "755"]
        attempt = env.sandbox.exec("echo 1 > /logs/verifier/reward.txt", user="agent")
        assert attempt.exit_code != 0
    finally:
        env.close()
