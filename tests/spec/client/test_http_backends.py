"""The async HTTP transport on each backend (httpx, aiohttp) against a real server:
same replies, same errors, sessions released."""

from __future__ import annotations

import asyncio
import contextlib
import math
import threading
import time

import pytest
import uvicorn
from envbridge.spec.client import http_backends
from envbridge.spec.errors import ConnectionFailed, ServerError
from envbridge.spec.server import create_app
from envbridge.spec.server.serve import uvicorn_config_kwargs

import envbridge
from envs.native.counter import CounterEnv
from tests.helpers import free_port, serving

BACKENDS = [
    "httpx",
    pytest.param("aiohttp", marks=pytest.mark.skipif(
        http_backends.importlib.util.find_spec("aiohttp") is None, reason="aiohttp absent"
    )),
]  # fmt: skip


@pytest.fixture(scope="module")
def url():
    with serving(CounterEnv, max_sessions=16) as served:
        yield served


@pytest.fixture(params=BACKENDS)
def backend(request, monkeypatch):
    monkeypatch.setenv(http_backends.BACKEND_ENV, request.param)
    return request.param


async def _episode(url: str) -> list:
    client = envbridge.connect(url, transport="http")
    try:
        first = await client.reset(seed=3)
        steps = [await client.step({"delta": d}) for d in (1, 2, -1)]
        state = await client.state()
        tools = await client.list_tools()
    finally:
        await client.close()
    results = [(r.observation, r.reward, r.done) for r in (first, *steps)]
    return [results, {k: v for k, v in state.items() if k != "episode_id"}, tools]


def test_each_backend_carries_a_whole_episode_identically(url, backend):
    assert asyncio.run(_episode(url)) == _reference(url)


_REFERENCE: dict = {}


def _reference(url: str) -> list:
    """The same episode through the sync client (httpx.Client): the expected replies."""
    if url not in _REFERENCE:
        client = envbridge.connect(url, transport="http").sync()
        with client:
            first = client.reset(seed=3)
            steps = [client.step({"delta": d}) for d in (1, 2, -1)]
            state = client.state()
            tools = client.list_tools()
        results = [(r.observation, r.reward, r.done) for r in (first, *steps)]
        _REFERENCE[url] = [results, {k: v for k, v in state.items() if k != "episode_id"}, tools]
    return _REFERENCE[url]


async def _bad_action(url: str) -> ServerError:
    client = envbridge.connect(url, transport="http")
    try:
        await client.reset()
        with pytest.raises(ServerError) as caught:
            await client.step({"delta": "many"})
        await client.step({"delta": 1})  # the session survives its bad action
    finally:
        await client.close()
    return caught.value


def test_a_bad_action_is_the_same_structured_error_on_each_backend(url, backend):
    error = asyncio.run(_bad_action(url))
    with envbridge.connect(url, transport="http").sync() as client:  # httpx.Client
        client.reset()
        with pytest.raises(ServerError) as expected:
            client.step({"delta": "many"})
    assert error.data["errors"] and error.data["errors"][0]["loc"]
    assert (error.code, error.message, error.data) == (
        expected.value.code,
        expected.value.message,
        expected.value.data,
    )


def test_an_unreachable_server_is_connection_failed(backend):
    async def run() -> None:
        client = envbridge.connect(f"http://127.0.0.1:{free_port()}", transport="http")
        try:
            with pytest.raises(ConnectionFailed, match=r"POST .*/reset failed"):
                await client.reset()
        finally:
            await client.close()

    asyncio.run(run())


def test_nan_in_an_action_is_refused_before_sending(url, backend):
    async def run() -> None:
        client = envbridge.connect(url, transport="http")
        try:
            await client.reset()
            with pytest.raises(ValueError):
                await client.step({"delta": math.nan})
            assert (await client.state())["step_count"] == 0
        finally:
            await client.close()

    asyncio.run(run())


def test_closing_releases_the_session_on_each_backend(url, backend):
    """More clients than the server's 16 session slots, one after another: each close
    must release its session, or the 17th reset is refused."""

    async def run() -> None:
        for _ in range(20):
            client = envbridge.connect(url, transport="http")
            try:
                await client.reset()
            finally:
                await client.close()

    asyncio.run(run())


def test_an_unknown_forced_backend_is_refused(monkeypatch):
    monkeypatch.setenv(http_backends.BACKEND_ENV, "urllib3")
    with pytest.raises(ValueError, match="urllib3"):
        http_backends.async_backend_name()


def test_aiohttp_is_preferred_when_installed(monkeypatch):
    monkeypatch.delenv(http_backends.BACKEND_ENV, raising=False)
    installed = http_backends.importlib.util.find_spec("aiohttp") is not None
    assert http_backends.async_backend_name() == ("aiohttp" if installed else "httpx")


def test_clients_share_one_tls_context():
    """Loading the CA bundle per client cost ~45 ms of CPU per HTTP session."""
    settings = envbridge.connect("https://example.invalid", transport="http").settings
    first = http_backends.httpx_options(settings)["verify"]
    assert first is http_backends.httpx_options(settings)["verify"]
    assert first is http_backends.shared_ssl_context()


@contextlib.contextmanager
def _short_keep_alive_server():
    """A server that drops idle keep-alive connections after 0.2 s."""
    config = uvicorn.Config(
        create_app(CounterEnv), host="127.0.0.1", port=0, timeout_keep_alive=0.2,
        **uvicorn_config_kwargs(),
    )  # fmt: skip
    server = uvicorn.Server(config)
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    while not server.started:
        assert thread.is_alive()
        time.sleep(0.01)
    try:
        yield f"http://127.0.0.1:{server.servers[0].sockets[0].getsockname()[1]}"
    finally:
        server.should_exit = True
        thread.join(timeout=20)


def test_a_connection_the_server_dropped_while_idle_is_replaced(backend):
    async def run(url: str) -> None:
        client = envbridge.connect(url, transport="http")
        try:
            await client.reset()
            await asyncio.sleep(0.6)  # the server closes the idle connection meanwhile
            assert (await client.step({"delta": 1})).reward == 1
        finally:
            await client.close()

    with _short_keep_alive_server() as url:
        asyncio.run(run(url))


# ------------------------------------------------------------------ sync (http.client)


def test_sync_client_reuses_one_connection_and_replaces_a_dropped_one():
    with _short_keep_alive_server() as url, envbridge.connect(url, transport="http").sync() as c:
        c.reset()
        c.step({"delta": 1})
        backend = c._transport._http
        sock = backend._conn.sock
        assert c.step({"delta": 1}).reward == 1 and backend._conn.sock is sock  # kept alive
        time.sleep(0.6)  # the server closes the idle connection meanwhile
        assert c.step({"delta": -1}).reward == -1
        assert backend._conn.sock is not sock


def test_sync_client_errors_match_the_async_ones(url):
    nobody = envbridge.connect(f"http://127.0.0.1:{free_port()}", transport="http").sync()
    with nobody, pytest.raises(ConnectionFailed, match=r"POST .*/reset failed"):
        nobody.reset()
    with envbridge.connect(url, transport="http").sync() as c:
        c.reset()
        with pytest.raises(ValueError):
            c.step({"delta": math.inf})
        assert c.state()["step_count"] == 0


def test_sync_clients_release_their_sessions(url):
    for _ in range(20):  # more than the server's 16 slots
        with envbridge.connect(url, transport="http").sync() as c:
            c.reset()


def test_sync_backend_refuses_a_url_it_cannot_reach():
    settings = envbridge.connect("http://127.0.0.1:1", transport="http").settings
    settings = type(settings)(base_url="ftp://example.invalid")
    with pytest.raises(ValueError, match="ftp"):
        http_backends.StdlibBackend(settings)
