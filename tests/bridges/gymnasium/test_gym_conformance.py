"""The conformance kit passes against bridged Gymnasium servers, in both modes."""

from __future__ import annotations

import pytest
from envbridge.bridges.gymnasium import wrap
from envbridge.conformance import check

from tests.helpers import serving


@pytest.mark.parametrize("mode", ["simulation", "production"])
@pytest.mark.parametrize(
    "env_id",
    [
        "CartPole-v1",
        "MountainCarContinuous-v0",
        "Blackjack-v1",
        "envs.gymnasium:envbridge/Courier-v0",
    ],
)
def test_every_must_and_should_check_passes(env_id, mode):
    with serving(wrap(env_id), mode=mode) as url:
        report = check(url)
    failed = [(r.id, r.level.value, r.message) for r in report.failed()]
    assert report.passed and not failed, failed
    assert report.mode == mode
