"""/mcp: OpenEnv's JSON-RPC dialect over HTTP and WebSocket, and standard MCP sessions."""

from __future__ import annotations

import json

import httpx
import pytest
from websockets.sync.client import connect

from envs.native.counter import CounterEnv
from tests.helpers import serving
from tests.spec.envs import Tracked


@pytest.fixture(scope="module")
def url():
    with serving(CounterEnv) as running:
        yield running


@pytest.fixture
def http(url):
    with httpx.Client(base_url=url, trust_env=False, timeout=30) as client:
        yield client


def rpc(http, method, params=None, rid=1, **headers):
    body = {"jsonrpc": "2.0", "id": rid, "method": method}
    if params is not None:
        body["params"] = params
    response = http.post("/mcp", json=body, headers=headers)
    assert response.status_code == 200, response.text
    return response.json()


def test_tools_list_and_call_in_openenv_dialect(http):
    tools = rpc(http, "tools/list")["result"]["tools"]
    assert [t["name"] for t in tools] == ["add", "get_count", "echo"]
    assert tools[0]["inputSchema"]["required"] == ["amount"]
    reply = rpc(http, "tools/call", {"name": "echo", "arguments": {"message": "hey"}}, rid="abc")
    assert reply["id"] == "abc"
    assert reply["result"]["data"] == "hey"
    assert reply["result"]["structured_content"] == {"result": "hey"}
    assert reply["result"]["is_error"] is False and "error" not in reply


@pytest.mark.parametrize(
    ("body", "code"),
    [
        (b"{oops", -32700),
        (b"[]", -32600),
        (b'[{"jsonrpc":"2.0","id":1,"method":"tools/list"}]', -32600),
        (b'{"jsonrpc":"1.0","id":1,"method":"tools/list"}', -32600),
        (b'{"jsonrpc":"2.0","id":1}', -32600),
        (b'{"jsonrpc":"2.0","id":1,"method":"tools/list","extra":1}', -32600),
        (b'{"jsonrpc":"2.0","id":1,"method":"tools/list","params":[1]}', -32600),
        (b'{"jsonrpc":"2.0","id":1,"method":"nope"}', -32601),
        (b'{"jsonrpc":"2.0","id":1,"method":"tools/call","params":{}}', -32602),
        (b'{"jsonrpc":"2.0","id":1,"method":"tools/call","params":{"name":"x"}}', -32603),
        (b'{"jsonrpc":"2.0","id":1,"method":"openenv/session/close","params":{}}', -32602),
        (
            b'{"jsonrpc":"2.0","id":1,"method":"openenv/session/close",'
            b'"params":{"session_id":"nope"}}',
            -32602,
        ),
        (
            b'{"jsonrpc":"2.0","id":1,"method":"tools/call","params":'
            b'{"name":"add","arguments":{"amount":1},"session_id":"nope"}}',
            -32602,
        ),
    ],
)
def test_jsonrpc_errors_are_http_200_with_the_right_code(http, body, code):
    response = http.post("/mcp", content=body, headers={"content-type": "application/json"})
    assert response.status_code == 200
    reply = response.json()
    assert reply["jsonrpc"] == "2.0" and "result" not in reply
    assert reply["error"]["code"] == code, reply


def test_unknown_tool_message_names_the_tool(http):
    reply = rpc(http, "tools/call", {"name": "nope"})
    assert "nope" in reply["error"]["message"]


def test_http_mcp_sessions_keep_state_and_close(http):
    session_id = rpc(http, "openenv/session/create")["result"]["session_id"]
    rpc(http, "tools/call", {"name": "add", "arguments": {"amount": 2}, "session_id": session_id})
    reply = rpc(http, "tools/call", {"name": "get_count", "session_id": session_id})
    assert reply["result"]["data"] == {"count": 2}
    closed = rpc(http, "openenv/session/close", {"session_id": session_id})
    assert closed["result"] == {"session_id": session_id, "closed": True}
    again = rpc(http, "openenv/session/close", {"session_id": session_id})
    assert again["error"]["code"] == -32602


def test_ws_mcp_route_and_mcp_frames_on_ws(url):
    base = url.replace("http://", "ws://")
    with connect(base + "/mcp") as ws:
        ws.send(
            json.dumps(
                {
                    "jsonrpc": "2.0",
                    "id": 7,
                    "method": "tools/call",
                    "params": {"name": "add", "arguments": {"amount": 3}},
                }
            )
        )
        assert json.loads(ws.recv(timeout=10))["result"]["data"] == {"count": 3}
        ws.send("not json")
        assert json.loads(ws.recv(timeout=10))["error"]["code"] == -32700
        ws.send("[]")
        assert json.loads(ws.recv(timeout=10))["error"]["code"] == -32600
        ws.send(
            json.dumps(
                {"jsonrpc": "2.0", "id": 8, "method": "tools/call", "params": {"name": "get_count"}}
            )
        )
        assert json.loads(ws.recv(timeout=10))["result"]["data"] == {"count": 3}
    with connect(base + "/ws") as ws:
        ws.send(
            json.dumps({"type": "mcp", "data": {"jsonrpc": "2.0", "id": 1, "method": "tools/list"}})
        )
        reply = json.loads(ws.recv(timeout=10))
        assert reply["type"] == "mcp" and len(reply["data"]["result"]["tools"]) == 3
        ws.send(
            json.dumps(
                {
                    "type": "mcp",
                    "data": {"jsonrpc": "2.0", "id": 2, "method": "openenv/session/create"},
                }
            )
        )
        first = json.loads(ws.recv(timeout=10))["data"]["result"]["session_id"]
        ws.send(
            json.dumps(
                {
                    "type": "mcp",
                    "data": {"jsonrpc": "2.0", "id": 3, "method": "openenv/session/create"},
                }
            )
        )
        assert json.loads(ws.recv(timeout=10))["data"]["result"]["session_id"] == first


def test_standard_mcp_session_over_streamable_http(http):
    init = http.post(
        "/mcp",
        json={
            "jsonrpc": "2.0",
            "id": 1,
            "method": "initialize",
            "params": {
                "protocolVersion": "2025-06-18",
                "capabilities": {},
                "clientInfo": {"name": "t", "version": "1"},
            },
        },
    )
    session_id = init.headers["mcp-session-id"]
    assert init.json()["result"]["protocolVersion"] == "2025-06-18"
    assert "tools" in init.json()["result"]["capabilities"]
    headers = {"mcp-session-id": session_id}
    note = http.post(
        "/mcp", json={"jsonrpc": "2.0", "method": "notifications/initialized"}, headers=headers
    )
    assert note.status_code == 202
    call = http.post(
        "/mcp",
        json={
            "jsonrpc": "2.0",
            "id": 2,
            "method": "tools/call",
            "params": {"name": "add", "arguments": {"amount": 1}},
        },
        headers=headers,
    ).json()
    assert (
        call["result"]["structuredContent"] == {"count": 1} and call["result"]["isError"] is False
    )
    bad = http.post(
        "/mcp",
        json={
            "jsonrpc": "2.0",
            "id": 3,
            "method": "tools/call",
            "params": {"name": "add", "arguments": {"amount": "x"}},
        },
        headers=headers,
    ).json()
    assert bad["result"]["isError"] is True
    assert http.delete("/mcp", headers=headers).status_code == 200
    gone = http.post(
        "/mcp", json={"jsonrpc": "2.0", "id": 4, "method": "tools/list"}, headers=headers
    )
    assert gone.status_code == 404


def test_temporary_mcp_envs_are_closed():
    Tracked.live.clear()
    with serving(Tracked) as url, httpx.Client(base_url=url, trust_env=False) as http:
        for rid in range(3):
            rpc(http, "tools/list", rid=rid)
        session_id = rpc(http, "openenv/session/create")["result"]["session_id"]
        assert len(Tracked.live) == 1
        rpc(http, "openenv/session/close", {"session_id": session_id})
        assert Tracked.live == set()
