"""The direct ``/ws`` path (``spec/server/ws_direct.py``) against uvicorn's ASGI path.

Both paths serve the same frames; these tests run each behaviour on both and compare,
and cover what only the direct path does itself: its frame queue, its own closing,
release of a session whose frame is still running when the client vanishes.
"""

from __future__ import annotations

import json
import time

import pytest
from envbridge.spec.server import create_app
from envbridge.spec.server.serve import WS_PATH_VARIABLE, uvicorn_config_kwargs
from envbridge.spec.server.ws_direct import DirectWebSocketProtocol
from websockets.exceptions import ConnectionClosed, InvalidStatus
from websockets.sync.client import connect

from envs.native.counter import CounterEnv
from tests.helpers import serving_app
from tests.spec.envs import SlowAsync, SlowSync, Tracked

PATHS = ["direct", "asgi"]


def ws_connect(url: str, path: str = "/ws"):
    return connect(url.replace("http://", "ws://") + path, max_size=None)


def exchange(ws, frame: dict) -> dict:
    ws.send(json.dumps(frame))
    return json.loads(ws.recv(timeout=30))


@pytest.fixture(params=PATHS)
def ws_path(request, monkeypatch) -> str:
    monkeypatch.setenv(WS_PATH_VARIABLE, request.param)
    return request.param


def test_the_direct_path_is_the_default_and_can_be_turned_off(monkeypatch):
    monkeypatch.delenv(WS_PATH_VARIABLE, raising=False)
    assert uvicorn_config_kwargs()["ws"] is DirectWebSocketProtocol
    monkeypatch.setenv(WS_PATH_VARIABLE, "asgi")
    assert uvicorn_config_kwargs()["ws"] == "auto"
    monkeypatch.setenv(WS_PATH_VARIABLE, "fast")
    with pytest.raises(ValueError, match="direct' or 'asgi'"):
        uvicorn_config_kwargs()


def _transcript(url: str) -> list[dict]:
    """Replies to a fixed sequence of good and bad frames (episode ids removed)."""
    frames = [
        {"type": "step", "data": {"delta": 1}},
        {"type": "reset", "data": {"seed": 3}},
        {"type": "step", "data": {"delta": 2}},
        {"type": "state"},
        {"type": "step", "data": {"delta": "two"}},
        {"type": "nope"},
        "{not json",
        {"type": "step", "data": {"delta": -1}},
    ]
    replies = []
    with ws_connect(url) as ws:
        for frame in frames:
            ws.send(frame if isinstance(frame, str) else json.dumps(frame))
            reply = json.loads(ws.recv(timeout=30))
            if isinstance(reply.get("data"), dict):
                reply["data"].pop("episode_id", None)
            replies.append(reply)
    return replies


def test_both_paths_answer_every_frame_alike(monkeypatch):
    transcripts = {}
    for path in PATHS:
        monkeypatch.setenv(WS_PATH_VARIABLE, path)
        with serving_app(create_app(CounterEnv)) as url:
            transcripts[path] = _transcript(url)
    assert transcripts["direct"] == transcripts["asgi"]
    kinds = [reply["type"] for reply in transcripts["direct"]]
    assert kinds == ["error", "observation", "observation", "state"] + ["error"] * 3 + [
        "observation"
    ]


def test_pipelined_frames_are_answered_in_order(ws_path):
    """More frames than the queue holds before reading pauses, sent without waiting."""
    deltas = [1, 2, -2, -1] * 75  # the count never reaches the episode's end
    with serving_app(create_app(CounterEnv)) as url, ws_connect(url) as ws:
        exchange(ws, {"type": "reset", "data": {}})
        for delta in deltas:
            ws.send(json.dumps({"type": "step", "data": {"delta": delta}}))
        replies = [json.loads(ws.recv(timeout=30))["data"] for _ in deltas]
    assert [reply["observation"]["last_delta"] for reply in replies] == deltas
    assert [reply["observation"]["count"] for reply in replies[:4]] == [1, 3, 1, 0]


def test_frames_behind_a_waiting_step_keep_their_order(ws_path):
    """An async env's step waits on the loop; the frames sent meanwhile queue behind it."""
    with serving_app(create_app(SlowAsync)) as url, ws_connect(url) as ws:
        exchange(ws, {"type": "reset", "data": {}})
        for sleep in (0.2, 0, 0.05, 0):
            ws.send(json.dumps({"type": "step", "data": {"sleep": sleep}}))
        slept = [json.loads(ws.recv(timeout=30))["data"]["observation"]["slept"] for _ in range(4)]
    assert slept == [0.2, 0, 0.05, 0]


def test_a_binary_frame_is_a_frame_and_bad_utf8_text_closes_1007(ws_path):
    with serving_app(create_app(CounterEnv)) as url, ws_connect(url) as ws:
        ws.send(json.dumps({"type": "reset", "data": {"seed": 2}}).encode())
        assert json.loads(ws.recv(timeout=30))["data"]["observation"]["count"] == 2
        ws.send(b'{"type": "state", "x": "\xff"}', text=True)
        with pytest.raises(ConnectionClosed) as closed:
            ws.recv(timeout=30)
    assert closed.value.rcvd is not None and closed.value.rcvd.code == 1007


def test_a_vanished_client_releases_its_session_after_the_running_step(ws_path):
    """The socket goes away while a blocking step runs: the env closes once it returns."""
    Tracked.live.clear()
    app = create_app(SlowSync)
    with serving_app(app) as url:
        ws = ws_connect(url)
        exchange(ws, {"type": "reset", "data": {}})
        ws.send(json.dumps({"type": "step", "data": {"sleep": 0.5}}))
        time.sleep(0.1)  # the step is running on its thread
        ws.socket.close()  # no closing handshake: the connection just ends
        deadline = time.monotonic() + 15
        while app.registry.active and time.monotonic() < deadline:
            time.sleep(0.05)
        assert app.registry.active == 0
        with ws_connect(url) as again:  # the server still serves
            assert exchange(again, {"type": "reset", "data": {}})["type"] == "observation"


def test_idle_connections_close_with_the_reason(ws_path):
    with serving_app(create_app(CounterEnv, ws_idle_timeout_s=0.3)) as url, ws_connect(url) as ws:
        exchange(ws, {"type": "reset", "data": {}})
        with pytest.raises(ConnectionClosed) as closed:
            ws.recv(timeout=30)
    assert closed.value.rcvd is not None and closed.value.rcvd.code == 1000
    assert "--ws-idle-timeout" in closed.value.rcvd.reason


def test_other_websocket_paths_keep_the_asgi_route():
    """``/mcp`` over WebSocket and an unknown path are not the direct path's."""
    with serving_app(create_app(CounterEnv)) as url:
        with ws_connect(url, "/mcp") as ws:
            reply = exchange(ws, {"jsonrpc": "2.0", "id": 1, "method": "tools/list"})
            assert reply["id"] == 1 and "result" in reply
        with pytest.raises(InvalidStatus) as refused:  # closed before the handshake: 403
            ws_connect(url, "/elsewhere")
        assert refused.value.response.status_code == 403


def test_an_app_that_is_not_envbridge_keeps_uvicorn_behaviour():
    async def echo(scope, receive, send):
        if scope["type"] != "websocket":
            return
        await receive()
        await send({"type": "websocket.accept"})
        message = await receive()
        await send({"type": "websocket.send", "text": "echo:" + message["text"]})
        await send({"type": "websocket.close", "code": 1000})

    with serving_app(echo) as url, ws_connect(url) as ws:
        ws.send("hi")
        assert ws.recv(timeout=10) == "echo:hi"
