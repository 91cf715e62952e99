"""Chaos, native envs: every case beside a bystander, for the three ways the server runs
environment code (a thread per session, async on the server loop, inline on the loop)."""

from __future__ import annotations

import httpx
import pytest
from envbridge.spec.client import SyncClient
from envbridge.spec.client.protocol import ServerError

from tests.chaos.envs import CASES, ThreadedChaos
from tests.chaos.harness import Bystander, chaos_server, health, play_case
from tests.helpers import serving

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


class ExitingDescription(ThreadedChaos):
    """SystemExit from the static description (read once, for /metadata and /schema)."""

    def metadata(self):
        raise SystemExit("not authenticated in metadata: set $CHAOS_API_KEY")


class ExitingFactory(ThreadedChaos):
    def __init__(self) -> None:
        raise SystemExit("not authenticated in the factory: set $CHAOS_API_KEY")


def test_systemexit_in_the_description_or_the_factory_is_a_structured_error() -> None:
    with serving(ExitingDescription) as url:
        response = httpx.get(f"{url}/metadata", timeout=30, trust_env=False)
        assert response.status_code == 500
        assert response.json()["detail"]["code"] == "EXECUTION_ERROR"
        assert "SystemExit: not authenticated in metadata" in response.text
        assert health(url) == (200, {"status": "healthy"})
    with serving(ExitingFactory) as url:
        with pytest.raises(ServerError) as refused:
            SyncClient(url, timeout_s=30).reset()
        assert refused.value.code == "FACTORY_ERROR"
        assert "SystemExit: not authenticated in the factory" in str(refused.value)
        assert health(url) == (200, {"status": "healthy"})
