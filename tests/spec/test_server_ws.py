"""/ws behaviour on a real loopback socket: lifecycle, capacity, limits, isolation, leaks."""

from __future__ import annotations

import asyncio
import json
import socket
import threading
import time

import httpx
import pytest
from websockets.exceptions import ConnectionClosed
from websockets.sync.client import connect

import envbridge
from envs.native.counter import CounterEnv
from tests.helpers import serving
from tests.spec.envs import FailingFactory, SlowAsync, SlowSync, Tracked


def ws_connect(url: str, query: str = ""):
    return connect(url.replace("http://", "ws://") + "/ws" + query, max_size=None)


def send(ws, message) -> dict:
    ws.send(message if isinstance(message, str | bytes) else json.dumps(message))
    return json.loads(ws.recv(timeout=30))


def test_several_episodes_on_one_connection_and_close_1000():
    with serving(CounterEnv) as url, ws_connect(url) as ws:
        for seed in (1, 2):
            reply = send(ws, {"type": "reset", "data": {"seed": seed}})
            assert reply["data"]["observation"]["count"] == seed
            reply = send(ws, {"type": "step", "data": {"delta": 1}})
            assert reply["data"]["observation"]["count"] == seed + 1
            assert send(ws, {"type": "state"})["data"]["step_count"] == 1
        ws.send(json.dumps({"type": "close"}))
        with pytest.raises(ConnectionClosed) as closed:
            ws.recv(timeout=10)
        assert closed.value.rcvd.code == 1000


def test_capacity_error_after_handshake_then_close():
    with serving(CounterEnv, max_sessions=1) as url, ws_connect(url) as first:
        send(first, {"type": "reset", "data": {}})
        with ws_connect(url) as second:
            reply = json.loads(second.recv(timeout=10))
            assert reply["data"]["code"] == "CAPACITY_REACHED"
            assert reply["data"]["active_sessions"] == 1 and reply["data"]["max_sessions"] == 1
            with pytest.raises(ConnectionClosed):
                second.recv(timeout=10)
        assert send(first, {"type": "step", "data": {"delta": 1}})["type"] == "observation"


def test_capacity_frees_when_a_session_closes():
    with serving(CounterEnv, max_sessions=1) as url:
        for _ in range(3):
            with ws_connect(url) as ws:
                assert send(ws, {"type": "reset", "data": {}})["type"] == "observation"
            time.sleep(0.05)


def test_factory_error_is_reported_then_closed():
    with serving(FailingFactory()) as url, ws_connect(url) as ws:
        reply = json.loads(ws.recv(timeout=10))
        assert reply["data"]["code"] == "FACTORY_ERROR"
        assert "cannot allocate sandbox" in reply["data"]["message"]
        with pytest.raises(ConnectionClosed):
            ws.recv(timeout=10)
        assert httpx.get(f"{url}/health", trust_env=False).status_code == 200


def test_a_request_that_crosses_the_servers_parting_error_gets_that_error():
    """The server answers a failed session with an error frame and closes; a client that
    sends its first request after that close still reports the server's reason, not a
    bare "connection closed" (sync and async clients)."""
    from envbridge import AsyncClient, ServerError, SyncClient

    with serving(FailingFactory()) as url:
        client = SyncClient(url, timeout_s=10).connect()
        time.sleep(0.5)  # the server's error frame and close arrive before the request
        with pytest.raises(ServerError) as refused:
            client.reset()
        assert refused.value.code == "FACTORY_ERROR"
        assert "cannot allocate sandbox" in str(refused.value)

        async def async_reset() -> None:
            connected = await AsyncClient(url, timeout_s=10).connect()
            await asyncio.sleep(0.5)
            await connected.reset()

        with pytest.raises(ServerError) as refused:
            asyncio.run(async_reset())
        assert refused.value.code == "FACTORY_ERROR"


def test_oversize_frame_is_refused_and_session_survives():
    with serving(CounterEnv, max_message_bytes=2000) as url, ws_connect(url) as ws:
        send(ws, {"type": "reset", "data": {}})
        reply = send(ws, {"type": "step", "data": {"delta": 1, "pad": "x" * 5000}})
        assert reply["data"]["code"] == "VALIDATION_ERROR" and "limit" in reply["data"]["message"]
        assert send(ws, {"type": "step", "data": {"delta": 1}})["type"] == "observation"


def test_binary_frames_holding_json_are_accepted():
    with serving(CounterEnv) as url, ws_connect(url) as ws:
        reply = send(ws, json.dumps({"type": "reset", "data": {"seed": 1}}).encode())
        assert reply["data"]["observation"]["count"] == 1
        assert send(ws, b"\xff\xfe")["data"]["code"] == "INVALID_JSON"


def test_sessions_are_isolated():
    with serving(CounterEnv) as url, ws_connect(url) as a, ws_connect(url) as b:
        send(a, {"type": "reset", "data": {"seed": 0}})
        send(b, {"type": "reset", "data": {"seed": 0}})
        for _ in range(3):
            send(a, {"type": "step", "data": {"delta": 2}})
        assert send(b, {"type": "state"})["data"] == {
            "count": 0,
            "episode_id": send(b, {"type": "state"})["data"]["episode_id"],
            "step_count": 0,
        }
        assert send(a, {"type": "state"})["data"]["count"] == 6


@pytest.mark.parametrize("factory", [SlowAsync, SlowSync])
def test_a_slow_session_does_not_block_others(factory):
    with serving(factory) as url, ws_connect(url) as slow, ws_connect(url) as fast:
        send(slow, {"type": "reset", "data": {}})
        send(fast, {"type": "reset", "data": {}})
        slow.send(json.dumps({"type": "step", "data": {"sleep": 1.5}}))
        started = time.monotonic()
        for _ in range(5):
            send(fast, {"type": "step", "data": {"sleep": 0}})
        fast_elapsed = time.monotonic() - started
        json.loads(slow.recv(timeout=10))
        assert fast_elapsed < 1.0, f"fast session waited {fast_elapsed:.2f}s behind the slow one"


def test_sync_env_methods_run_off_the_event_loop_thread():
    with serving(SlowSync) as url, ws_connect(url) as ws:
        thread = send(ws, {"type": "reset", "data": {}})["data"]["observation"]["thread"]
        assert thread.startswith("env-")


def test_every_session_closes_its_environment_even_on_abrupt_disconnect():
    Tracked.live.clear()
    with serving(Tracked) as url:
        sockets = [ws_connect(url) for _ in range(4)]
        for ws in sockets:
            send(ws, {"type": "reset", "data": {}})
        assert len(Tracked.live) == 4
        sockets[0].send(json.dumps({"type": "close"}))
        sockets[1].close()
        sockets[2].socket.shutdown(socket.SHUT_RDWR)  # abrupt: no closing handshake
        deadline = time.monotonic() + 10
        while len(Tracked.live) > 1 and time.monotonic() < deadline:
            time.sleep(0.05)
        assert len(Tracked.live) == 1
        sockets[0].close()
        sockets[3].close()
    assert Tracked.live == set()


def test_server_shutdown_closes_live_sessions():
    Tracked.live.clear()
    with serving(Tracked) as url:
        ws = ws_connect(url)
        send(ws, {"type": "reset", "data": {}})
        client = envbridge.connect(url, transport="http").sync()
        client.reset()
        assert len(Tracked.live) == 2
    ws.close()
    client.close()
    assert Tracked.live == set()


def test_idle_named_sessions_are_reaped_but_attached_ones_are_not():
    Tracked.live.clear()
    with serving(Tracked, idle_timeout_s=1.0) as url:
        http_client = envbridge.connect(url, transport="http").sync()
        http_client.reset()
        ws = ws_connect(url)
        send(ws, {"type": "reset", "data": {}})
        time.sleep(2.6)
        assert len(Tracked.live) == 1  # the HTTP session went, the WS one stayed
        assert send(ws, {"type": "step", "data": {}})["type"] == "observation"
        with pytest.raises(envbridge.spec.client.ServerError) as error:
            http_client.step({})
        assert "reset" in str(error.value)
        ws.close()
        http_client.close()


def test_attach_to_an_mcp_session_over_ws():
    with serving(CounterEnv) as url, httpx.Client(base_url=url, trust_env=False) as http:
        created = http.post(
            "/mcp", json={"jsonrpc": "2.0", "id": 1, "method": "openenv/session/create"}
        ).json()
        session_id = created["result"]["session_id"]
        http.post(
            "/mcp",
            json={
                "jsonrpc": "2.0",
                "id": 2,
                "method": "tools/call",
                "params": {"name": "add", "arguments": {"amount": 5}, "session_id": session_id},
            },
        )
        with ws_connect(url, f"?session_id={session_id}") as ws:
            state = send(ws, {"type": "state"})
            assert state["data"]["count"] == 5
        with ws_connect(url, "?session_id=unknown") as ws:
            assert json.loads(ws.recv(timeout=10))["data"]["code"] == "SESSION_ERROR"


def test_many_concurrent_async_clients():
    async def run(url: str) -> list[int]:
        async def one(i: int) -> int:
            async with envbridge.connect(url) as client:
                await client.reset(seed=0)
                for _ in range(i % 5 + 1):
                    result = await client.step({"delta": 1})
                return result.observation["count"]

        return await asyncio.gather(*(one(i) for i in range(40)))

    with serving(CounterEnv, max_sessions=64) as url:
        counts = asyncio.run(run(url))
    assert counts == [i % 5 + 1 for i in range(40)]


def test_threads_do_not_leak_after_sessions():
    before = threading.active_count()
    with serving(SlowSync) as url:
        for _ in range(5):
            with ws_connect(url) as ws:
                send(ws, {"type": "reset", "data": {}})
        time.sleep(0.3)
    deadline = time.monotonic() + 5
    while threading.active_count() > before and time.monotonic() < deadline:
        time.sleep(0.05)
    assert threading.active_count() <= before


def test_client_timeout_drops_the_connection_so_late_replies_cannot_desync():
    with serving(SlowAsync) as url:
        client = envbridge.connect(url, timeout_s=0.3).sync()
        client.reset()
        with pytest.raises(envbridge.ReplyTimeout, match="dropped") as timeout:
            client.step({"sleep": 1.0})
        assert isinstance(timeout.value, TimeoutError)
        with pytest.raises(envbridge.ServerError) as error:
            client.step({"sleep": 0})  # a fresh connection: a new session, not the late reply
        assert error.value.code is envbridge.WSErrorCode.EPISODE_NOT_STARTED
        client.close()
