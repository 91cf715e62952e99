"""Chaos, native envs: every case beside a bystander, for the three ways the server runs
environment code (a thread per session, async on the server loop, inline on the loop)."""

from __future__ import annotations

import pytest

from tests.chaos.envs import CASES
from tests.chaos.harness import Bystander, chaos_server, health, play_case

ACTION = {"delta": 1}
FLAVOURS = {
    "threaded": ("tests.chaos.envs:ThreadedChaos", CASES),
    "async": ("tests.chaos.envs:AsyncChaos", CASES),
    "inline": ("tests.chaos.envs:InlineChaos", tuple(c for c in CASES if c != "hang_in_step")),
}


@pytest.mark.parametrize("flavour", sorted(FLAVOURS))
def test_every_case_fails_alone_and_the_bystander_never_notices(flavour: str) -> None:
    target, cases = FLAVOURS[flavour]
    with chaos_server(target) as url, Bystander(url, action=ACTION) as bystander:
        for case in cases:
            seen = play_case(url, case, action=ACTION)
            assert seen
            assert health(url) == (200, {"status": "healthy"}), case
            bystander.wait_for_steps(3)
        assert bystander.errors == []
        print(f"{flavour}: {len(cases)} cases, bystander {bystander.steps} steps, 0 errors")
