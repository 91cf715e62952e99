"""verifiers 0.4's own OpenEnv taskset (``verifiers.v1.tasksets.openenv``) drives envbridge
servers: a Gymnasium env, a harbor task and a classic verifiers env, each scored by
verifiers' own machinery (``OpenEnvEnv.run`` sums the step rewards into the trace's
``openenv_reward``; ``trace.reward`` is verifiers' weighted sum).

The servers run under the main virtualenv's Python (gymnasium, harbor and the classic
verifiers line live there); verifiers 0.4 runs here. The model is scripted through the
bridge's own ``TrainerClient`` (verifiers' interception seam), so verifiers' harness,
interception server and scoring all run for real.
"""

from __future__ import annotations

import asyncio
import json
import shutil
from typing import Any

import pytest

from tests.helpers import ROOT, serving_process

MAIN_PYTHON = ROOT / ".venv" / "bin" / "python"
pytest.importorskip("openenv", reason="make .venv-vf1/.installed installs verifiers[openenv]")


def serve(target: str, *options: str):
    if not MAIN_PYTHON.exists():
        pytest.fail("the main virtualenv is missing: run make .venv/.installed")
    return serving_process(
        lambda port: [
            str(MAIN_PYTHON),
            "-m",
            "envbridge",
            "serve",
            target,
            "--port",
            str(port),
            *options,
        ],
        cwd=str(ROOT),
        timeout_s=120,
    )


async def play(url: str, reset: dict[str, Any], replies) -> Any:
    """One episode of verifiers' OpenEnvEnv on ``url``; ``replies(payload)`` is the model."""
    import verifiers.v1 as vf
    from envbridge.bridges.verifiers.v1.client import TrainerClient
    from envbridge.bridges.verifiers.v1.environment import run_env_episode
    from envbridge.bridges.verifiers.v1.runtime import run_scripts_offline

    run_scripts_offline()  # the null harness's chat program, without uv or the network
    config = vf.resolve_env_config(
        {
            "taskset": {"id": "openenv", "base_url": url, "resets": [reset]},
            "player": {"harness": {"id": "null"}, "runtime": {"type": "subprocess"}},
        }
    )
    env = vf.load_environment(config)
    assert type(env).__name__ == "OpenEnvEnv"  # verifiers' own env class
    [task] = list(env.taskset)
    client = TrainerClient()
    episode = asyncio.ensure_future(run_env_episode(env, task, "scripted", client))
    seen = []
    while True:
        call = asyncio.ensure_future(client.calls.get())
        done, _ = await asyncio.wait({episode, call}, return_when=asyncio.FIRST_COMPLETED)
        if episode in done:
            call.cancel()
            break
        model_call = call.result()
        payload = json.loads(model_call.messages[-1]["content"])
        seen.append(payload)
        model_call.reply.set_result({"role": "assistant", "content": replies(payload)})
    result = episode.result()
    [trace] = result.traces
    return trace, seen


def test_gymnasium_env_through_verifiers_openenv_taskset():
    with serve("gym:CartPole-v1", "--options", '{"max_episode_steps": 2}') as url:
        trace, seen = asyncio.run(play(url, {"seed": 3}, lambda payload: json.dumps({"action": 1})))
    first = seen[0]
    assert set(first["observation"]) >= {"observation", "terminated", "truncated"}
    assert first["action_schema"]["required"] == ["action"]
    # Two steps (the episode is truncated there), each rewarding 1: verifiers sums them.
    assert len(seen) == 2
    assert trace.rewards["openenv_reward"].score == 2.0
    assert trace.reward == 2.0


def test_classic_verifiers_env_through_verifiers_openenv_taskset():
    with serve("verifiers:vf-math") as url:
        trace, seen = asyncio.run(
            play(
                url,
                {"task_index": 1},
                lambda payload: json.dumps({"role": "assistant", "content": "<answer>42</answer>"}),
            )
        )
    [payload] = seen
    assert payload["observation"]["messages"][-1]["content"] == "What is 7*6?"
    assert trace.rewards["openenv_reward"].score == pytest.approx(1.2)  # vf-math's rubric


def test_harbor_task_through_verifiers_openenv_taskset():
    if shutil.which("bwrap") is None:
        pytest.fail("bubblewrap is missing: run scripts/system-deps.sh")
    actions = iter(
        [
            {
                "type": "call_tool",
                "tool_name": "write_file",
                "arguments": {"path": "/app/greeting.txt", "content": "Hello, harbor!\n"},
            },
            {"type": "call_tool", "tool_name": "submit", "arguments": {}},
        ]
    )
    with serve(f"harbor:{ROOT / 'envs' / 'harbor'}", "--backend", "local") as url:
        trace, seen = asyncio.run(
            play(url, {"task_id": "hello-file"}, lambda payload: json.dumps(next(actions)))
        )
    assert "Hello, harbor!" in seen[0]["observation"]["instruction"]
    # verifiers adds `available_tools` only to actions titled Action/CallToolAction (OpenEnv's
    # generic MCP action); envbridge's harbor action names its tools itself:
    schema = seen[0]["action_schema"]
    assert "available_tools" not in schema
    assert schema["properties"]["tool_name"]["enum"] == [
        "exec",
        "write_file",
        "read_file",
        "submit",
    ]
    assert trace.rewards["openenv_reward"].score == 1.0  # the task's own tests passed


def test_the_docs_snippet_runs_here():
    """docs/trainers.md's verifiers snippet, in this virtualenv."""
    import re
    import subprocess
    import sys

    page = (ROOT / "docs" / "trainers.md").read_text()
    [code] = [
        s for s in re.findall(r"```python\n(.*?)```", page, re.DOTALL) if "# in .venv-vf1" in s
    ]
    result = subprocess.run(
        [sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, timeout=120
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert "OpenEnvEnv [{'seed': 0}, {'seed': 1}]" in result.stdout
