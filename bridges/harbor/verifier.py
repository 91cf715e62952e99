"""Grade an episode as harbor's shared-mode verifier does, with the agent out of reach.

First every process in the sandbox is killed (the agent's background forgers included)
and ``/logs/verifier`` is made fresh: owned by root, writable by the verifier user only.
``tests/`` is uploaded to ``/tests`` only now; ``test.sh`` runs as the verifier user with
``[verifier].env`` under ``[verifier].timeout_sec`` (its output to
``/logs/verifier/test-stdout.txt``, its exit code ignored); once it ended, every process
is killed again, then reward.json, else reward.txt, is parsed by harbor's rules.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from envbridge.bridges.harbor.backends.base import ROOT_USER, Sandbox, SandboxError, decode
from envbridge.bridges.harbor.ignore import uploadable_tests
from envbridge.bridges.harbor.rewards import (
    RewardParseError,
    Rewards,
    parse_rewards,
    primary_reward,
)
from envbridge.bridges.harbor.task import Task
from envbridge.bridges.harbor.variables import expand

VERIFIER_DIR = "/logs/verifier"
REWARD_FILE_LIMIT = 64 * 1024
TEST_OUTPUT_LIMIT = 16 * 1024


@dataclass(slots=True)
class Verification:
    """The verifier's outcome: all reward keys, the primary reward, test output, error."""

    rewards: Rewards = field(default_factory=dict)
    reward: float = 0.0
    test_output: str = ""
    error: str | None = None

    def as_dict(self) -> dict[str, Any]:
        data: dict[str, Any] = {
            "reward": self.reward,
            "rewards": self.rewards,
            "test_output": self.test_output,
        }
        if self.error:
            data["verifier_error"] = self.error
        return data


FRESH_VERIFIER_DIR = f"""\
[ -L /logs ] && rm -f /logs
mkdir -p /logs && rm -rf -- {VERIFIER_DIR} && mkdir -m 755 {VERIFIER_DIR} || exit 1
if [ "$(id -u -- "$EB_USER")" != 0 ]; then
  chgrp -- "$(id -g -- "$EB_USER")" {VERIFIER_DIR} && chmod 775 {VERIFIER_DIR} || exit 1
fi
rm -rf /tests && mkdir -p /tests"""
"""Run as root with no agent process left: a new /logs/verifier, root's, open to the
verifier user's group only (root's alone when the verifier is root), and a new /tests."""


def verify(sandbox: Sandbox, task: Task, pass_env: Iterable[str] = ()) -> Verification:
    """Run ``tests/test.sh`` in ``sandbox`` and parse the reward it wrote."""
    config = task.config.verifier
    user = config.user if config.user is not None else sandbox.default_user
    try:
        sandbox.stop_processes()
    except SandboxError as exc:
        return Verification(error=f"the agent's processes could not be stopped: {exc}")
    fresh = sandbox.exec(
        FRESH_VERIFIER_DIR, user=ROOT_USER, cwd="/", env={"EB_USER": str(user)}, timeout_s=60
    )
    if fresh.exit_code != 0:
        return Verification(error=f"cannot prepare {VERIFIER_DIR}: {fresh.stderr.strip()}")
    with uploadable_tests(task) as tests_dir:
        sandbox.upload_dir(tests_dir, "/tests")
    _as_root(sandbox, "chmod +x /tests/test.sh")
    run = sandbox.exec(
        f"(/tests/test.sh) > {VERIFIER_DIR}/test-stdout.txt 2>&1",
        user=user,
        cwd=sandbox.default_workdir,
        env=expand(config.env, pass_env),
        timeout_s=config.timeout_sec,
    )
    try:  # test.sh ended; whatever it left running (agent code it ran) may not write on
        sandbox.stop_processes()
    except SandboxError as exc:
        return Verification(error=f"test.sh's processes could not be stopped: {exc}")
    output = sandbox.read_bytes(f"{VERIFIER_DIR}/test-stdout.txt", TEST_OUTPUT_LIMIT) or b""
    verification = Verification(test_output=decode(output))
    if run.timed_out:
        verification.error = (
            f"tests/test.sh ran longer than [verifier].timeout_sec = {config.timeout_sec:g} s "
            "and was killed"
        )
        return verification
    reward_json = sandbox.read_bytes(f"{VERIFIER_DIR}/reward.json", REWARD_FILE_LIMIT)
    reward_txt = sandbox.read_bytes(f"{VERIFIER_DIR}/reward.txt", REWARD_FILE_LIMIT)
    try:
        rewards = parse_rewards(
            None if reward_json is None else decode(reward_json),
            None if reward_txt is None else decode(reward_txt),
        )
    except RewardParseError as exc:
        verification.error = str(exc) + _missing_tool_hint(verification.test_output, sandbox)
        return verification
    verification.rewards = rewards
    primary = primary_reward(rewards)
    if primary is None:
        verification.error = (
            f"reward.json has no 'reward' key and {len(rewards)} values; the episode reward is "
            "taken from key 'reward'"
        )
    else:
        verification.reward = primary
    return verification


def _as_root(sandbox: Sandbox, command: str) -> None:
    sandbox.exec(command, user=ROOT_USER, cwd="/", timeout_s=60)


def _missing_tool_hint(test_output: str, sandbox: Sandbox) -> str:
    if "command not found" not in test_output and "No module named" not in test_output:
        return ""
    where = (
        "the host (the local backend uses the host's userland; see `envbridge harbor lint`)"
        if sandbox.backend_name == "local"
        else "the image"
    )
    return f". test.sh needs a tool that is missing from {where}: {test_output.strip()[-300:]}"
