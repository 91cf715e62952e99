"""The conformance kit passes against each bridged sample environment, in both modes."""

from __future__ import annotations

import pytest
from envbridge.bridges.verifiers import load_target

from tests.helpers import serving

conformance = pytest.importorskip(
    "envbridge.conformance.runner", reason="needs the conformance kit (envbridge.conformance)"
)

TARGETS = [
    ("vf-math", {}),
    ("vf-guess", {}),
    # The kit makes up to 8 tool calls on one session; each is an assistant turn, and a
    # rollout that reaches max_turns (6 by default) rightly refuses more.
    ("vf-calc", {"max_turns": 20}),
]


@pytest.mark.parametrize("mode", ["simulation", "production"])
@pytest.mark.parametrize(("name", "env_args"), TARGETS)
def test_conformance_kit_passes(name, env_args, mode):
    from envbridge.conformance.model import Status
    from envbridge.conformance.runner import check

    with serving(load_target(name, env_args), mode=mode) as url:
        report = check(url)
    failed = [(r.id, r.message) for r in report.results if r.status is Status.FAIL]
    assert failed == []
    assert sum(r.status is Status.PASS for r in report.results) >= 20
