"""Both client twins on the in-memory transport: the client's logic without any socket."""

from __future__ import annotations

import asyncio
import json
from collections.abc import Iterator
from typing import Any

import pytest
from envbridge.spec.session import Phase
from pydantic import BaseModel

from envbridge import (
    AsyncClient,
    EnvbridgeClientError,
    ServerError,
    StepResult,
    SyncClient,
    ToolCallError,
    WSErrorCode,
)
from envs.native.counter import CounterEnv
from tests.spec.client.memory import AsyncMemoryTransport, MemoryTransport


class Blocking:
    """An AsyncClient whose coroutine methods are run to completion on one loop."""

    def __init__(self, client: AsyncClient):
        self.client = client
        self._loop = asyncio.new_event_loop()

    def __getattr__(self, name: str) -> Any:
        method = getattr(self.client, name)

        def call(*args: Any, **kwargs: Any) -> Any:
            return self._loop.run_until_complete(method(*args, **kwargs))

        return call

    def finish(self) -> None:
        self._loop.close()


@pytest.fixture(params=["async", "sync"])
def twin(request) -> Iterator[tuple[Any, Any]]:
    """(client with blocking calls, its memory transport) for each twin."""
    if request.param == "async":
        transport: Any = AsyncMemoryTransport(CounterEnv)
        client = Blocking(AsyncClient("memory://counter", transport=transport))
        yield client, transport
        client.close()
        client.finish()
    else:
        transport = MemoryTransport(CounterEnv)
        sync = SyncClient("memory://counter", transport=transport)
        yield sync, transport
        sync.close()


def test_reset_step_state_send_openenv_frames_and_parse_replies(twin):
    client, transport = twin
    first = client.reset(seed=2, episode_id="ep", difficulty="easy")
    assert first == StepResult({"count": 2, "last_delta": 0}, None, False, {})
    assert client.step({"delta": 3}).observation["count"] == 5
    assert client.state() == {"count": 5, "episode_id": "ep", "step_count": 1}
    assert [json.loads(f) for f in transport.sent] == [
        {"type": "reset", "data": {"difficulty": "easy", "seed": 2, "episode_id": "ep"}},
        {"type": "step", "data": {"delta": 3}},
        {"type": "state"},
    ]


def test_pydantic_actions_are_dumped_and_non_dicts_refused_before_sending(twin):
    class Add(BaseModel):
        delta: int

    client, transport = twin
    client.reset()
    assert client.step(Add(delta=1)).reward == 1
    with pytest.raises(TypeError, match="must be a dict"):
        client.step([1])
    assert len(transport.sent) == 2


def test_error_frames_raise_server_errors_with_typed_codes(twin):
    client, _ = twin
    with pytest.raises(ServerError) as early:
        client.step({"delta": 1})
    assert early.value.code is WSErrorCode.EPISODE_NOT_STARTED
    client.reset()
    with pytest.raises(ServerError) as bad:
        client.step({"delta": "x"})
    assert bad.value.code is WSErrorCode.VALIDATION_ERROR
    assert bad.value.data["errors"][0]["loc"] == ["delta"]
    assert isinstance(bad.value, EnvbridgeClientError)


def test_tools_list_and_call_through_the_real_mcp_dispatcher(twin):
    client, transport = twin
    client.reset(seed=1)
    assert {tool.name for tool in client.list_tools()} == {"add", "get_count", "echo"}
    assert client.call_tool("add", amount=4) == {"count": 5}
    with pytest.raises(ToolCallError) as error:
        client.call_tool("nope")
    assert error.value.tool == "nope" and error.value.error_type == "tool_not_found"
    ids = [json.loads(f)["data"]["id"] for f in transport.sent if '"mcp"' in f]
    assert ids == sorted(set(ids)), "JSON-RPC ids are unique and increasing"


def test_close_releases_the_session(twin):
    client, transport = twin
    client.reset()
    registry = transport.ctx.registry
    (session,) = registry.sessions.values()
    assert session.phase is Phase.ATTACHED
    client.close()
    assert session.phase is Phase.CLOSED and not registry.sessions


def test_a_transport_object_has_no_twin_and_bad_transports_are_refused():
    client = AsyncClient("memory://x", transport=AsyncMemoryTransport(CounterEnv))
    assert client.transport == "custom"
    with pytest.raises(TypeError, match="no twin"):
        client.sync()
    with pytest.raises(ValueError, match="'ws' or 'http'"):
        AsyncClient("http://x", transport="carrier-pigeon")
    with pytest.raises(ValueError, match="send"):
        SyncClient("http://x", transport=object())
