"""A v1 package whose seat needs a remote runtime is refused at start-up, with the
``--env-args`` that make it run locally (and with them it serves)."""

from __future__ import annotations

import json
import os
import subprocess
import sys

import envbridge
from tests.helpers import ROOT, envbridge_cli, serving_process

PACKAGES = ROOT / "tests" / "bridges" / "verifiers_v1" / "packages"
ENV = {"PYTHONPATH": os.pathsep.join([str(PACKAGES), os.environ.get("PYTHONPATH", "")])}
LOCAL = {"player": {"runtime": {"type": "subprocess"}}}


def test_a_seat_on_the_remote_default_runtime_is_refused_with_the_fix() -> None:
    env = {k: v for k, v in os.environ.items() if k != "PRIME_API_KEY"} | ENV
    done = subprocess.run(
        [sys.executable, "-m", "envbridge", "serve", "verifiers:vf1-remote-seat"],
        capture_output=True,
        text=True,
        env=env,
        cwd=ROOT,
        timeout=300,
    )
    assert done.returncode == 2, done.stderr
    assert "seat 'player' uses the 'prime' runtime" in done.stderr
    assert "$PRIME_API_KEY is not set here" in done.stderr
    assert f"--env-args '{json.dumps(LOCAL)}'" in done.stderr


def test_with_the_suggested_env_args_it_serves_locally() -> None:
    argv = envbridge_cli("serve", "verifiers:vf1-remote-seat", "--env-args", json.dumps(LOCAL))
    with (
        serving_process(lambda port: [*argv, "--port", str(port)], env=ENV, timeout_s=300) as url,
        envbridge.connect(url, timeout_s=300).sync() as client,
    ):
        first = client.reset(task_index=0)  # secret 7
        assert "Guess my number" in first.observation["messages"][-1]["content"]
        assert client.step({"role": "assistant", "content": "7"}).done
