"""Chaos, verifiers v1 bridge (runs in the v1 virtualenv): a one-seat Env raising
SystemExit before the first turn, in a step and in a spawned task, leaking a thread,
hanging; beside a bystander episode on the same shared rollout loop."""

from __future__ import annotations

import os

from envbridge.spec.client import SyncClient

from tests.chaos.harness import Bystander, chaos_server, expect_execution_error, health
from tests.helpers import ROOT

PACKAGES = ROOT / "tests" / "bridges" / "verifiers_v1" / "packages"
SAMPLES = [str(path) for path in sorted((ROOT / "envs" / "verifiers").glob("vf1_*"))]
STEP_TIMEOUT_S = 45.0  # a v1 turn runs a harness subprocess: slow on a loaded box


def said(words: str) -> dict[str, str]:
    return {"role": "assistant", "content": words}


def test_systemexit_hang_and_leaks_fail_alone_beside_a_bystander() -> None:
    env = {"PYTHONPATH": os.pathsep.join([str(PACKAGES), *SAMPLES])}
    with (
        chaos_server("verifiers:vf1-chaos", "--step-timeout", str(STEP_TIMEOUT_S), env=env) as url,
        Bystander(url, action=said("hi"), reset={"task_index": 0}) as bystander,
        SyncClient(url, timeout_s=300) as client,
    ):
        cases = 0

        def after_case() -> None:
            nonlocal cases
            cases += 1
            assert health(url) == (200, {"status": "healthy"})
            bystander.wait_for_steps(1, timeout_s=300)

        expect_execution_error(
            lambda: client.reset(task_index=1), "SystemExit", "not authenticated in reset"
        )
        after_case()
        for words, where in (("exit", "in step"), ("exit-nested", "in a spawned task")):
            client.reset(task_index=2)
            expect_execution_error(lambda w=words: client.step(said(w)), "SystemExit", where)
            after_case()
        client.reset(task_index=2)
        client.step(said("leak"))
        after_case()
        client.reset(task_index=2)
        expect_execution_error(lambda: client.step(said("hang")), "step timeout")
        after_case()
        client.reset(task_index=0)  # the same session plays on
        assert not client.step(said("fine")).done
        assert bystander.errors == []
        print(f"verifiers v1: {cases} cases, bystander {bystander.steps} steps, 0 errors")
