"""The async client's own WebSocket connection (``spec/client/ws_connection.py``),
against a real ``websockets`` server: handshake, fragments, pings, timeouts, closing."""

from __future__ import annotations

import asyncio
import json
from http import HTTPStatus

import pytest
from envbridge.spec.client.ws_connection import WebSocketConnection
from envbridge.spec.errors import EnvbridgeClientError
from websockets.asyncio.server import serve
from websockets.exceptions import ConnectionClosed, ConnectionClosedOK, InvalidStatus

import envbridge


def run(coro):
    return asyncio.run(asyncio.wait_for(coro, 60))


async def _with_server(handler, body, **options):
    async with serve(handler, "127.0.0.1", 0, **options) as server:
        port = server.sockets[0].getsockname()[1]
        return await body(f"ws://127.0.0.1:{port}/ws")


def test_request_reply_and_a_clean_close():
    async def echo(ws):
        async for message in ws:
            await ws.send("echo:" + message)

    async def body(url):
        connection = await WebSocketConnection.open(url, open_timeout=10, max_size=None)
        replies = []
        for word in ("a", "bb", "é" * 1000):
            await connection.send(word)
            replies.append(await connection.recv(10))
        await connection.close()
        with pytest.raises(ConnectionClosedOK):
            await connection.recv(1)
        return replies

    assert run(_with_server(echo, body)) == ["echo:a", "echo:bb", "echo:" + "é" * 1000]


def test_a_fragmented_message_arrives_whole():
    async def fragments(ws):
        await ws.recv()
        await ws.send(["frag", "men", "ted"])
        await ws.send([b"\x00", b"\x01"])
        await ws.wait_closed()

    async def body(url):
        connection = await WebSocketConnection.open(url, open_timeout=10, max_size=None)
        await connection.send("go")
        text, data = await connection.recv(10), await connection.recv(10)
        await connection.close()
        return text, data

    assert run(_with_server(fragments, body)) == ("fragmented", b"\x00\x01")


def test_server_pings_are_answered_while_the_client_waits():
    """The server pings every 50 ms and drops a peer that misses a pong for 200 ms."""

    async def slow(ws):
        await ws.recv()
        await asyncio.sleep(1.0)
        await ws.send("still here")

    async def body(url):
        connection = await WebSocketConnection.open(url, open_timeout=10, max_size=None)
        await connection.send("go")
        reply = await connection.recv(10)
        await connection.close()
        return reply

    options = {"ping_interval": 0.05, "ping_timeout": 0.2}
    assert run(_with_server(slow, body, **options)) == "still here"


def test_recv_times_out_and_a_late_reply_is_still_delivered_after():
    async def late(ws):
        await ws.recv()
        await asyncio.sleep(0.4)
        await ws.send("late")
        await ws.wait_closed()

    async def body(url):
        connection = await WebSocketConnection.open(url, open_timeout=10, max_size=None)
        await connection.send("go")
        with pytest.raises(TimeoutError):
            await connection.recv(0.05)
        reply = await connection.recv(10)
        await connection.close()
        return reply

    assert run(_with_server(late, body)) == "late"


def test_messages_sent_before_the_server_closes_are_read_before_the_error():
    async def parting(ws):
        await ws.recv()
        await ws.send("goodbye")
        await ws.close(1000, "done")

    async def body(url):
        connection = await WebSocketConnection.open(url, open_timeout=10, max_size=None)
        await connection.send("go")
        await asyncio.sleep(0.2)  # the close has arrived too
        first = await connection.recv(10)
        with pytest.raises(ConnectionClosed) as closed:
            await connection.recv(10)
        with pytest.raises(ConnectionClosed):
            await connection.send("more")
        await connection.close()
        return first, closed.value.rcvd.code, closed.value.rcvd.reason

    assert run(_with_server(parting, body)) == ("goodbye", 1000, "done")


def test_a_refused_handshake_raises_invalid_status():
    def refuse(connection, request):
        return connection.respond(HTTPStatus.FORBIDDEN, "no\n")

    async def body(url):
        with pytest.raises(InvalidStatus) as refused:
            await WebSocketConnection.open(url, open_timeout=10, max_size=None)
        return refused.value.response.status_code

    assert run(_with_server(lambda ws: None, body, process_request=refuse)) == 403


def test_the_async_client_reports_a_refused_or_missing_server():
    async def body(url):
        with pytest.raises(EnvbridgeClientError) as refused:
            await envbridge.connect(url.replace("ws://", "http://").removesuffix("/ws")).reset()
        return str(refused.value)

    def refuse(connection, request):
        return connection.respond(HTTPStatus.NOT_FOUND, "no\n")

    message = run(_with_server(lambda ws: None, body, process_request=refuse))
    assert "404" in message

    async def nobody():
        client = envbridge.connect("http://127.0.0.1:9", connect_timeout_s=5)
        with pytest.raises(EnvbridgeClientError):
            await client.reset()

    run(nobody())


def test_a_peer_that_vanishes_ends_a_waiting_recv():
    async def vanish(ws):
        await ws.recv()
        ws.transport.abort()  # no closing handshake

    async def body(url):
        connection = await WebSocketConnection.open(url, open_timeout=10, max_size=None)
        await connection.send(json.dumps({"type": "step"}))
        with pytest.raises(ConnectionClosed) as closed:
            await connection.recv(10)
        await connection.close()
        return closed.value.rcvd

    assert run(_with_server(vanish, body)) is None
