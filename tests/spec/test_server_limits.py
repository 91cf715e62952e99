"""Server limits, performed as attacks on a real server: stateless HTTP floods count
against ``max_sessions``; ``step_timeout_s`` bounds a hanging env call; an idle
WebSocket is closed after ``ws_idle_timeout_s`` and its session released."""

from __future__ import annotations

import asyncio
import threading
import time
from typing import Any

import httpx
import pytest
from envbridge.spec import Environment, Observation
from websockets.sync.client import connect

from tests.helpers import serving

MAX_SESSIONS = 3
FLOOD = 24


class Tracked(Environment):
    """Counts live instances (built, not yet closed) and the most ever alive at once."""

    live = 0
    peak = 0
    lock = threading.Lock()

    def __init__(self) -> None:
        with Tracked.lock:
            Tracked.live += 1
            Tracked.peak = max(Tracked.peak, Tracked.live)

    def reset(self, *, seed=None, episode_id=None, options=None) -> Observation:
        time.sleep(0.3)  # hold the env while the flood arrives
        if (options or {}).get("hang"):
            threading.Event().wait(30)
        return Observation({"ok": True})

    def step(self, action: dict[str, Any]) -> Observation:
        if action.get("hang"):
            threading.Event().wait(30)
        return Observation({"ok": True}, done=True)

    def close(self) -> None:
        with Tracked.lock:
            Tracked.live -= 1


@pytest.fixture(autouse=True)
def fresh_counts():
    Tracked.live = Tracked.peak = 0


async def _flood(url: str, path: str, body: dict[str, Any]) -> list[httpx.Response]:
    async with httpx.AsyncClient(timeout=60, trust_env=False) as http:
        return await asyncio.gather(*(http.post(f"{url}{path}", json=body) for _ in range(FLOOD)))


@pytest.mark.parametrize(("path", "body"), [("/reset", {}), ("/step", {"action": {}})])
def test_a_stateless_flood_never_holds_more_than_max_sessions_envs(path, body) -> None:
    with serving(Tracked, max_sessions=MAX_SESSIONS) as url:
        responses = asyncio.run(_flood(url, path, body))
    statuses = sorted(r.status_code for r in responses)
    assert Tracked.peak <= MAX_SESSIONS, f"{Tracked.peak} envs alive at once"
    assert statuses.count(200) >= MAX_SESSIONS, statuses
    refused = [r for r in responses if r.status_code != 200]
    assert refused, "a flood of 24 on 3 places must be refused in part"
    for response in refused:
        assert response.status_code == 503
        assert response.json()["detail"]["code"] == "CAPACITY_REACHED"
    assert Tracked.live == 0


def test_a_hanging_call_fails_after_the_step_timeout() -> None:
    with serving(Tracked, step_timeout_s=0.8) as url:
        started = time.monotonic()
        response = httpx.post(
            f"{url}/step", json={"action": {"hang": True}}, timeout=30, trust_env=False
        )
        took = time.monotonic() - started
    assert response.status_code == 500
    detail = response.json()["detail"]
    assert detail["code"] == "EXECUTION_ERROR"
    assert "step timeout of 0.8 s" in detail["message"]
    assert took < 20  # not the env's 30 s hang


def test_an_idle_websocket_is_closed_and_its_session_released() -> None:
    app_kwargs = {"ws_idle_timeout_s": 0.6, "max_sessions": 1}
    with serving(Tracked, **app_kwargs) as url:
        ws_url = url.replace("http", "ws") + "/ws"
        with connect(ws_url) as busy:  # a chatty client is never idle
            for _ in range(8):
                busy.send('{"type": "state"}')
                assert '"type":"state"' in busy.recv(timeout=10)
                time.sleep(0.2)
        with connect(ws_url) as idle:
            started = time.monotonic()
            with pytest.raises(Exception) as closed:
                idle.recv(timeout=10)
            assert time.monotonic() - started < 5
        assert closed.value.rcvd.code == 1000
        assert "--ws-idle-timeout" in closed.value.rcvd.reason
        with connect(ws_url) as again:  # the one place is free again
            again.send('{"type": "state"}')
            assert '"type":"state"' in again.recv(timeout=10)
    assert Tracked.live == 0
