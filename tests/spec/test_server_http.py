"""HTTP routes of the envbridge server, in process through ``httpx.ASGITransport``.

The socket path is covered by the client, interop and conformance tests; here every
request runs the real ASGI app with its lifespan, without a port.
"""

from __future__ import annotations

import pytest

from envs.native.counter import CounterEnv
from tests.in_process import in_process
from tests.spec.envs import Exploding, Tracked


@pytest.fixture(scope="module")
def http():
    with in_process(CounterEnv) as client:
        yield client


def test_health_metadata_schema(http):
    assert http.get("/health").json() == {"status": "healthy"}
    meta = http.get("/metadata").json()
    assert meta["name"] == "counter" and meta["description"]
    schema = http.get("/schema").json()
    assert set(schema) >= {"action", "observation", "state", "reset_observation"}
    assert schema["action"]["properties"]["delta"]["type"] == "integer"
    assert "metadata" in schema["observation"]["properties"]
    assert {"episode_id", "step_count", "count"} <= set(schema["state"]["properties"])


def test_openapi_lists_the_simulation_routes_and_docs_render(http):
    doc = http.get("/openapi.json").json()
    assert isinstance(doc["info"]["version"], str)
    assert {"/reset", "/step", "/state", "/health", "/mcp"} <= set(doc["paths"])
    page = http.get("/docs")
    assert page.status_code == 200 and "/reset" in page.text
    assert page.headers["content-type"].startswith("text/html")


def test_stateless_reset_and_step_like_openenv(http):
    first = http.post("/reset", json={"seed": 2})
    assert first.status_code == 200
    assert first.json() == {
        "observation": {"count": 2, "last_delta": 0, "metadata": {}},
        "reward": None,
        "done": False,
        "metadata": None,
    }
    assert http.post("/reset").status_code == 200  # empty body allowed
    one = http.post("/step", json={"action": {"delta": 3}}).json()
    two = http.post("/step", json={"action": {"delta": 3}}).json()
    assert one == two and one["reward"] == 3.0 and isinstance(one["reward"], float)
    assert http.get("/state").json() == {"episode_id": None, "step_count": 0}


def test_named_sessions_make_http_stateful(http):
    http.post("/reset", json={"seed": 1, "session_id": "trainer-1"})
    http.post("/step", json={"action": {"delta": 2}, "session_id": "trainer-1"})
    reply = http.post("/step", json={"action": {"delta": 2}, "session_id": "trainer-1"}).json()
    assert reply["observation"]["count"] == 5
    state = http.get("/state", params={"session_id": "trainer-1"}).json()
    assert state["step_count"] == 2 and state["count"] == 5
    missing = http.post("/step", json={"action": {"delta": 1}, "session_id": "nobody"})
    assert missing.status_code == 404 and "reset" in missing.json()["detail"]["message"]


@pytest.mark.parametrize(
    ("path", "kwargs", "status"),
    [
        ("/step", {"content": b"{nope", "headers": {"content-type": "application/json"}}, 422),
        ("/step", {"json": {}}, 422),
        ("/step", {"json": {"action": {"delta": "x"}}}, 422),
        ("/step", {"json": {"action": {"delta": 1, "bogus": 1}}}, 422),
        ("/step", {"json": {"action": {"delta": 1}, "timeout_s": 0}}, 422),
        ("/step", {"json": {"action": [1]}}, 422),
        ("/step", {"content": b"", "headers": {"content-type": "application/json"}}, 422),
        ("/reset", {"json": {"seed": -1}}, 422),
        ("/reset", {"json": [1, 2]}, 422),
        ("/reset", {"content": b"null", "headers": {"content-type": "application/json"}}, 422),
        (
            "/reset",
            {"content": b'{"seed": NaN}', "headers": {"content-type": "application/json"}},
            422,
        ),
        (
            "/step",
            {
                "content": b'{"action": {"delta": 1e999}}',
                "headers": {"content-type": "application/json"},
            },
            422,
        ),
        ("/reset", {"content": b"seed=1", "headers": {"content-type": "text/plain"}}, 415),
        ("/reset", {"data": {"seed": "1"}}, 415),
    ],
)
def test_bad_bodies_get_structured_4xx_never_500(http, path, kwargs, status):
    response = http.post(path, **kwargs)
    assert response.status_code == status, response.text
    assert "detail" in response.json()
    assert http.get("/health").status_code == 200


def test_validation_detail_locations_follow_openenv(http):
    detail = http.post("/step", json={}).json()["detail"]
    assert detail[0]["loc"] == ["body", "action"] and detail[0]["type"] == "missing"
    detail = http.post("/step", json={"action": {"delta": "x"}}).json()["detail"]
    assert detail[0]["loc"] == ["delta"]


def test_oversize_body_is_413():
    with in_process(CounterEnv, max_message_bytes=1000) as small:
        response = small.post("/step", json={"action": {"delta": 1, "pad": "x" * 5000}})
        assert response.status_code == 413
        assert response.json()["detail"]["code"] == "PAYLOAD_TOO_LARGE"


def test_unknown_route_404_and_wrong_method_405(http):
    assert http.get("/nope").status_code == 404
    response = http.get("/step")
    assert response.status_code == 405 and response.headers["allow"] == "POST"


def test_environment_crash_is_a_structured_500_and_the_connection_survives():
    with in_process(Exploding) as http:
        response = http.post("/step", json={"action": {"explode": True}})
        assert response.status_code == 500
        assert response.json()["detail"]["code"] == "EXECUTION_ERROR"
        assert "boom" in response.json()["detail"]["message"]
        assert http.post("/step", json={"action": {}}).status_code == 200


def test_stateless_requests_close_their_environments():
    Tracked.live.clear()
    with in_process(Tracked) as http:
        for _ in range(5):
            http.post("/reset", json={})
            http.post("/step", json={"action": {}})
        http.get("/schema")
        assert Tracked.live == set()
