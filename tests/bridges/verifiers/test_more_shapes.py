"""StatefulToolEnv (hidden, state-injected tool args) and EnvGroup through the bridge."""

from __future__ import annotations

import json

import pytest
from envbridge.bridges.verifiers import wrap

from tests.bridges.verifiers import more_envs
from tests.bridges.verifiers.test_equivalence import assert_equivalent
from tests.helpers import serving


def _lookup(call_id: str, key: str) -> dict:
    return {
        "role": "assistant",
        "tool_calls": [
            {
                "id": call_id,
                "type": "function",
                "function": {"name": "lookup", "arguments": json.dumps({"key": key})},
            }
        ],
    }


@pytest.mark.parametrize("task_index", [0, 1])
def test_stateful_tool_env_matches_native(task_index):
    bridged, native = more_envs.vault_env(), more_envs.vault_env()
    script = [
        _lookup("c1", "shape"),
        _lookup("c2", "color"),
        {"role": "assistant", "content": "It is red."},
    ]
    with serving(wrap(bridged)) as url:
        assert_equivalent(url, native, task_index, script)
        [tool] = wrap(bridged)().tools()
        assert list(tool.input_schema["properties"]) == ["key"]  # vault stays hidden


@pytest.mark.parametrize(
    ("task_index", "script"),
    [
        (0, [{"content": "<answer>5</answer>"}]),
        (3, [{"content": "5"}, {"content": "3"}, {"content": "4"}]),
    ],
)
def test_env_group_matches_native_and_reports_the_routed_rewards(task_index, script):
    bridged, native = more_envs.group_env(), more_envs.group_env()
    with serving(wrap(bridged)) as url:
        results = assert_equivalent(url, native, task_index, script)
    rewards = results[-1].metadata["rewards"]
    assert rewards, "the routed env's weighted reward functions are reported"
    total = sum(part["score"] * part["weight"] for part in rewards.values())
    assert results[-1].reward == pytest.approx(total)
