"""Chaos, classic verifiers bridge: SystemExit inside a rollout (in reset, a step, a
tool, and a task the env spawns, which escapes the shared rollout loop itself), an
async hang, a leaked thread; beside a bystander rollout on the same shared loop.

(Values JSON cannot carry do not apply: the bridge itself turns chats into JSON.)
"""

from __future__ import annotations

import pytest
from envbridge.spec.client import SyncClient
from envbridge.spec.client.protocol import ToolCallError

from tests.bridges.verifiers.conftest import SAMPLE_PYTHONPATH
from tests.chaos.harness import (
    STEP_TIMEOUT_S,
    Bystander,
    chaos_server,
    expect_execution_error,
    health,
)


def said(words: str) -> dict[str, str]:
    return {"role": "assistant", "content": words}


def test_systemexit_hang_and_leaks_fail_alone_beside_a_bystander() -> None:
    with (
        chaos_server("tests.chaos.vf_chaos:FACTORY", env={"PYTHONPATH": SAMPLE_PYTHONPATH}) as url,
        Bystander(url, action=said("hi"), reset={"task_index": 0}) as bystander,
        SyncClient(url, timeout_s=30) as client,
    ):
        cases = 0

        def after_case() -> None:
            nonlocal cases
            cases += 1
            assert health(url) == (200, {"status": "healthy"})
            bystander.wait_for_steps(3)
            client.reset(task_index=0)  # the same session plays on
            client.step(said("fine"))

        expect_execution_error(
            lambda: client.reset(task_index=1), "SystemExit", "not authenticated in reset"
        )
        after_case()
        for words, where in (("exit", "in step"), ("exit-nested", "in a spawned task")):
            client.reset(task_index=2)
            expect_execution_error(lambda w=words: client.step(said(w)), "SystemExit", where)
            after_case()
        client.reset(task_index=2)
        with pytest.raises(ToolCallError, match="SystemExit"):
            client.call_tool("explode")
        after_case()
        client.reset(task_index=2)
        for _ in range(10):
            client.step(said("leak"))
        after_case()
        client.reset(task_index=2)
        expect_execution_error(lambda: client.step(said("hang")), "step timeout")
        after_case()
        assert bystander.errors == []
        print(
            f"verifiers classic: {cases} cases, bystander {bystander.steps} steps, 0 errors "
            f"(step timeout {STEP_TIMEOUT_S} s)"
        )
