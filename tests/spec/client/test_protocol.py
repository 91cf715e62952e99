"""The client's sans-I/O helpers, table-driven: replies in, typed results or errors out."""

from __future__ import annotations

import json
from typing import Any

import httpx
import pytest
from envbridge.spec.client import protocol as p
from envbridge.spec.client.core import ClientCore, HttpCall, HttpSession, drive
from envbridge.spec.errors import (
    EnvbridgeClientError,
    HttpErrorCode,
    ServerError,
    ToolCallError,
    WSErrorCode,
)

from envs.native.counter import CounterEnv
from tests.in_process import in_process


@pytest.mark.parametrize(
    ("url", "base"),
    [
        ("localhost:8000", "http://localhost:8000"),
        ("http://h:1/", "http://h:1"),
        ("ws://h:1/ws", "http://h:1"),
        ("wss://h/prefix/mcp", "https://h/prefix"),
        ("https://h/a/b/", "https://h/a/b"),
    ],
)
def test_base_http_url(url, base):
    assert p.base_http_url(url) == base


def test_ws_url_keeps_the_prefix_and_names_the_session():
    assert p.ws_url("https://h/pre", session_id="s1") == "wss://h/pre/ws?session_id=s1"
    assert p.ws_url("http://h:2") == "ws://h:2/ws"


@pytest.mark.parametrize(
    ("text", "expected", "data"),
    [
        ('{"type":"state","data":{"step_count":0}}', "state", {"step_count": 0}),
        (b'{"type":"observation","data":{"done":false}}', "observation", {"done": False}),
    ],
)
def test_parse_reply_returns_the_data(text, expected, data):
    assert p.parse_reply(text, expected) == data


@pytest.mark.parametrize(
    ("text", "error", "match"),
    [
        ("{bad", EnvbridgeClientError, "invalid JSON"),
        ("[1]", EnvbridgeClientError, "non-object"),
        ('{"type":"state","data":{}}', EnvbridgeClientError, "expected a 'observation'"),
        ('{"type":"observation","data":[1]}', EnvbridgeClientError, "OpenEnv server"),
        ('{"type":"error","data":{"message":"m","code":"EPISODE_DONE"}}', ServerError, "m"),
        ('{"type":"error","data":"junk"}', ServerError, "server error"),
    ],
)
def test_parse_reply_raises(text, error, match):
    with pytest.raises(error, match=match):
        p.parse_reply(text, "observation")


@pytest.mark.parametrize(
    ("code", "typed"),
    [
        ("EPISODE_DONE", WSErrorCode.EPISODE_DONE),
        ("SESSION_NOT_FOUND", HttpErrorCode.SESSION_NOT_FOUND),
        ("SOMETHING_NEW", "SOMETHING_NEW"),
        (-32603, "-32603"),
    ],
)
def test_server_error_codes_are_typed_when_known(code, typed):
    error = ServerError("m", code)
    assert error.code == typed and type(error.code) is type(typed)
    assert f"(code: {typed})" in str(error)


@pytest.mark.parametrize(
    ("data", "result"),
    [
        (
            {"observation": {"a": 1}, "reward": 1.0, "done": True, "metadata": {"m": 1}},
            p.StepResult({"a": 1}, 1.0, True, {"m": 1}),
        ),
        (  # the 0.3.x dialect: metadata inside the observation
            {"observation": {"a": 1, "metadata": {"m": 2}}, "reward": None, "done": False},
            p.StepResult({"a": 1}, None, False, {"m": 2}),
        ),
        ({}, p.StepResult({}, None, False, {})),
    ],
)
def test_step_result_reads_both_dialects(data, result):
    assert p.step_result(data) == result


@pytest.mark.parametrize(
    ("result", "value"),
    [
        ({"data": {"x": 1}}, {"x": 1}),  # OpenEnv's FastMCP shape
        ({"structuredContent": {"result": 3}}, 3),  # standard MCP, wrapped scalar
        ({"structured_content": {"a": 1, "b": 2}}, {"a": 1, "b": 2}),
        ({"content": [{"type": "text", "text": "hi"}]}, "hi"),
        ({"content": []}, None),
        ("plain", "plain"),
    ],
)
def test_tool_value_in_every_dialect(result, value):
    assert p.tool_value("t", result) == value


@pytest.mark.parametrize("flag", ["isError", "is_error"])
def test_tool_value_raises_for_in_band_errors(flag):
    with pytest.raises(ToolCallError, match="tool 't' failed: nope"):
        p.tool_value("t", {flag: True, "content": [{"text": "nope"}]})


@pytest.mark.parametrize(
    ("response", "tool", "error"),
    [
        ({"error": {"code": -32601, "message": "no"}}, None, ServerError),
        (
            {"error": {"code": -32603, "message": "x", "data": {"error_type": "t"}}},
            "t",
            ToolCallError,
        ),
        ("junk", None, EnvbridgeClientError),
    ],
)
def test_rpc_result_raises(response, tool, error):
    with pytest.raises(error):
        p.rpc_result(response, tool)


def _response(status: int, body: Any) -> httpx.Response:
    content = body if isinstance(body, bytes) else json.dumps(body).encode()
    return httpx.Response(status, content=content, request=httpx.Request("POST", "http://h/x"))


@pytest.mark.parametrize(
    ("status", "body", "code"),
    [
        (409, {"detail": {"code": "EPISODE_DONE", "message": "m"}}, WSErrorCode.EPISODE_DONE),
        (422, {"detail": [{"loc": ["body"]}]}, WSErrorCode.VALIDATION_ERROR),
        (404, {"detail": "Not Found"}, "HTTP_404"),
        (502, b"<html>bad gateway</html>", "HTTP_502"),
    ],
)
def test_http_json_maps_error_statuses(status, body, code):
    with pytest.raises(ServerError) as error:
        p.http_json(_response(status, body))
    assert error.value.code == code


def test_http_json_refuses_a_non_json_success():
    with pytest.raises(EnvbridgeClientError, match="answered non-JSON"):
        p.http_json(_response(200, b"<html>"))
    assert p.http_json(_response(200, {"ok": 1})) == {"ok": 1}


def test_batch_results_keep_op_order_and_errors_in_place():
    results = p.batch_results(
        {
            "results": [
                {"type": "observation", "data": {"observation": {}, "done": False}},
                {"type": "error", "data": {"message": "m", "code": "SESSION_ERROR"}},
                {"type": "state", "data": {"step_count": 1}},
            ]
        }
    )
    assert isinstance(results[0], p.StepResult)
    assert isinstance(results[1], ServerError) and results[1].code is WSErrorCode.SESSION_ERROR
    assert results[2] == {"step_count": 1}


# ------------------------------------------------------------------- the HTTP session plan


def test_http_plan_names_a_session_then_creates_one_for_mcp_only_when_unknown():
    core = ClientCore()
    session = HttpSession(None, core.ids)
    calls: list[HttpCall] = []
    with in_process(CounterEnv) as http:

        def perform(call: HttpCall) -> Any:
            calls.append(call)
            return p.http_json(
                http.request(call.method, call.path, json=call.body, params=call.params)
            )

        drive(session.plan(core.reset(1, None, {})), perform)
        assert session.owned and session.known and calls[0].path == "/reset"
        drive(session.plan(core.step({"delta": 1})), perform)
        assert drive(session.plan(core.state()), perform)["step_count"] == 1
        reply = drive(session.plan(core.mcp("tools/list", None, None)), perform)
        assert "tools" in reply["result"]
        assert [c.path for c in calls] == ["/reset", "/step", "/state", "/mcp"]
        assert {c.body["session_id"] for c in calls[:2]} == {session.id}

        fresh = HttpSession(None, core.ids)
        calls.clear()
        drive(fresh.plan(core.mcp("tools/list", None, None)), perform)
        methods = [c.body["method"] for c in calls]
        assert methods == ["openenv/session/create", "tools/list"] and fresh.owned
        drive(fresh.release(), perform)
        assert calls[-1].body["method"] == "openenv/session/close" and not fresh.known
        calls.clear()
        drive(fresh.release(), perform)  # released once only
        drive(HttpSession("theirs", core.ids).release(), perform)  # never someone else's
        assert calls == []


def test_http_plan_refuses_requests_no_route_carries():
    with pytest.raises(ValueError, match="no HTTP route"):
        drive(HttpSession(None, ClientCore().ids).plan(ClientCore.batch_open(2)), lambda c: {})
