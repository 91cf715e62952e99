"""Chaos, Gymnasium bridge: a gymnasium.Env served by ``envbridge serve module:factory``
(no tools in this bridge, so no tool case)."""

from __future__ import annotations

from tests.chaos.envs import CASES
from tests.chaos.harness import Bystander, chaos_server, health, play_case

ACTION = {"action": 1}


def test_every_case_fails_alone_and_the_bystander_never_notices() -> None:
    cases = [case for case in CASES if case != "exit_in_tool"]
    with chaos_server("tests.chaos.envs:chaos_gym") as url, Bystander(url, action=ACTION) as by:
        for case in cases:
            assert play_case(url, case, action=ACTION)
            assert health(url) == (200, {"status": "healthy"}), case
            by.wait_for_steps(3)
        assert by.errors == []
        print(f"gymnasium: {len(cases)} cases, bystander {by.steps} steps, 0 errors")
