"""Random frames and bodies never crash the server, never get a 500, and spare other sessions."""

from __future__ import annotations

import json

import httpx
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from websockets.exceptions import ConnectionClosed
from websockets.sync.client import connect

from envs.native.counter import CounterEnv
from tests.helpers import serving

json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(max_size=20),
    lambda children: (
        st.lists(children, max_size=4) | st.dictionaries(st.text(max_size=10), children, max_size=4)
    ),
    max_leaves=12,
)
frame_like = st.fixed_dictionaries(
    {
        "type": st.sampled_from(
            ["reset", "step", "state", "close", "mcp", "batch", "batch_open", "nope", ""]
        )
    },
    optional={"data": json_values, "extra": json_values},
)
frames = st.one_of(
    frame_like.map(json.dumps),
    json_values.map(json.dumps),
    st.text(max_size=60),
    st.binary(max_size=60),
)
bodies = st.one_of(json_values.map(lambda v: json.dumps(v).encode()), st.binary(max_size=80))
paths = st.sampled_from(["/reset", "/step", "/mcp", "/state", "/schema", "/nope"])


@pytest.fixture(scope="module")
def url():
    with serving(CounterEnv, max_sessions=64) as running:
        yield running


@pytest.fixture(scope="module")
def bystander(url):
    """A session that must stay intact whatever the fuzzer does elsewhere."""
    with connect(url.replace("http://", "ws://") + "/ws") as ws:
        ws.send(json.dumps({"type": "reset", "data": {"seed": 1}}))
        ws.recv(timeout=10)
        yield ws


@settings(
    max_examples=100, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(burst=st.lists(frames, min_size=1, max_size=8))
def test_random_ws_frames_get_one_reply_each_or_a_clean_close(url, bystander, burst):
    with connect(url.replace("http://", "ws://") + "/ws") as ws:
        for frame in burst:
            ws.send(frame)
            try:
                reply = json.loads(ws.recv(timeout=10))
            except ConnectionClosed as closed:
                assert closed.rcvd is not None and closed.rcvd.code == 1000
                break
            except TimeoutError:
                # only a valid close frame gets no reply
                assert json.loads(frame) == {"type": "close"}
                break
            assert reply["type"] in (
                "observation",
                "state",
                "mcp",
                "error",
                "batch",
                "batch_open",
                "batch_close",
            )
    _assert_bystander_intact(bystander)


@settings(
    max_examples=100, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(
    path=paths,
    body=bodies,
    content_type=st.sampled_from(
        ["application/json", "text/plain", "", "application/x-www-form-urlencoded"]
    ),
)
def test_random_http_bodies_never_500(url, bystander, path, body, content_type):
    headers = {"content-type": content_type} if content_type else {}
    response = httpx.post(f"{url}{path}", content=body, headers=headers, trust_env=False)
    assert response.status_code < 500 or _is_env_error(response), response.text
    response.json()  # always a JSON body
    _assert_bystander_intact(bystander)


def _is_env_error(response: httpx.Response) -> bool:
    return response.json()["detail"]["code"] == "EXECUTION_ERROR"


def _assert_bystander_intact(ws) -> None:
    ws.send(json.dumps({"type": "state"}))
    state = json.loads(ws.recv(timeout=10))
    assert state["type"] == "state" and state["data"]["step_count"] == 0
    assert (
        httpx.get(
            ws.request.headers["Host"].join(["http://", "/health"]), trust_env=False
        ).status_code
        == 200
    )
