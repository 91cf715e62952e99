"""Production mode: tools only, on every transport; reset/step/state refused everywhere."""

from __future__ import annotations

import json

import httpx
import pytest
from envbridge.spec.client import ServerError
from websockets.sync.client import connect

import envbridge
from envs.native.counter import CounterEnv
from tests.helpers import serving


@pytest.fixture(scope="module")
def url():
    with serving(CounterEnv, mode="production") as running:
        yield running


@pytest.mark.parametrize(
    ("method", "path"), [("post", "/reset"), ("post", "/step"), ("get", "/state")]
)
def test_http_simulation_routes_are_404(url, method, path):
    response = getattr(httpx, method)(f"{url}{path}", trust_env=False)
    assert response.status_code == 404


def test_openapi_omits_the_simulation_routes(url):
    paths = httpx.get(f"{url}/openapi.json", trust_env=False).json()["paths"]
    assert not {"/reset", "/step", "/state"} & set(paths) and "/mcp" in paths


@pytest.mark.parametrize(
    "message",
    [
        {"type": "reset", "data": {}},
        {"type": "step", "data": {"delta": 1}},
        {"type": "state"},
        {"type": "step", "data": {"type": "call_tool", "tool_name": "add", "arguments": {}}},
    ],
)
def test_ws_refuses_reset_step_state_with_a_structured_error(url, message):
    with connect(url.replace("http://", "ws://") + "/ws") as ws:
        ws.send(json.dumps(message))
        reply = json.loads(ws.recv(timeout=10))
        assert reply["type"] == "error" and reply["data"]["code"] == "MODE_RESTRICTED"
        ws.send(
            json.dumps(
                {
                    "type": "mcp",
                    "data": {
                        "jsonrpc": "2.0",
                        "id": 1,
                        "method": "tools/call",
                        "params": {"name": "get_count"},
                    },
                }
            )
        )
        assert json.loads(ws.recv(timeout=10))["data"]["result"]["data"] == {"count": 0}


def test_tools_work_on_every_transport(url):
    for transport in ("ws", "http"):
        client = envbridge.connect(url, transport=transport).sync()
        assert client.call_tool("add", amount=2) == {"count": 2}
        assert client.call_tool("get_count") == {"count": 2}
        with pytest.raises(ServerError) as error:
            client.reset()
        assert error.value.code in ("MODE_RESTRICTED", "HTTP_404")
        client.close()
    with connect(url.replace("http://", "ws://") + "/mcp") as ws:
        ws.send(
            json.dumps(
                {
                    "jsonrpc": "2.0",
                    "id": 1,
                    "method": "tools/call",
                    "params": {"name": "echo", "arguments": {"message": "m"}},
                }
            )
        )
        assert json.loads(ws.recv(timeout=10))["result"]["data"] == "m"
