"""Containers start on loopback, get healthy, serve real clients, and are always removed."""

from __future__ import annotations

import asyncio
import gc
import socket
import time

import httpx
import pytest

import envbridge
from envbridge.docker import DockerPackagingError
from envbridge.docker.connect import connect_image
from envbridge.docker.container import run_against_image, start_container
from tests.docker.conftest import TEST_RUN_ID, TEST_RUN_LABEL, labelled

pytestmark = pytest.mark.docker


def test_started_container_is_healthy_on_loopback_and_drives_an_episode(engine, counter_image):
    with start_container(counter_image) as running:
        assert running.url.startswith("http://127.0.0.1:")
        bindings = engine.containers.get(running.id).ports["8000/tcp"]
        assert {b["HostIp"] for b in bindings} == {"127.0.0.1"}
        assert httpx.get(f"{running.url}/health", trust_env=False).status_code == 200
        with envbridge.connect(running.url).sync() as client:
            first = client.reset(seed=0)
            result = client.step({"delta": 2})
            assert result.observation["count"] == first.observation["count"] + 2
            assert result.reward == 2
            assert client.state()["step_count"] == 1
    assert running.id not in labelled("containers", engine)


def test_close_removes_the_container_and_is_idempotent(engine, counter_image):
    running = start_container(counter_image, labels={TEST_RUN_LABEL: TEST_RUN_ID})
    assert running.id in labelled("containers", engine)
    running.close()
    running.close()
    assert running.id not in labelled("containers", engine)


def test_server_that_exits_at_start_is_reported_with_its_output_and_removed(engine, counter_image):
    before = set(labelled("containers", engine))
    with pytest.raises(
        DockerPackagingError,
        match=r"exited \(status \d+\) before becoming healthy(.|\n)*no_such_module",
    ):
        start_container(counter_image, command=["envbridge", "serve", "no_such_module:Env"])
    assert set(labelled("containers", engine)) == before


def test_health_timeout_removes_the_container(engine, counter_image):
    before = set(labelled("containers", engine))
    started = time.monotonic()
    with pytest.raises(DockerPackagingError, match="did not answer 200 within 1 s"):
        start_container(counter_image, command=["sleep", "60"], health_timeout_s=1)
    assert time.monotonic() - started < 10
    assert set(labelled("containers", engine)) == before


def test_a_taken_port_is_a_clear_error_and_leaves_no_container(engine, counter_image):
    before = set(labelled("containers", engine))
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        with pytest.raises(DockerPackagingError, match="cannot start"):
            start_container(counter_image, port=port)
    assert set(labelled("containers", engine)) == before


def test_missing_image_tells_how_to_build_it():
    with pytest.raises(DockerPackagingError, match="envbridge build TARGET -t"):
        start_container(f"envbridge-test/missing:{TEST_RUN_ID}")


def test_run_against_image_hands_the_url_to_a_checker_then_cleans_up(engine, counter_image):
    def check(url: str) -> dict:
        return httpx.get(f"{url}/metadata", trust_env=False).json()

    assert run_against_image(counter_image, check)["name"] == "counter"
    with pytest.raises(ZeroDivisionError):
        run_against_image(counter_image, lambda url: 1 / 0)


def test_connect_image_sync_client_removes_its_container_on_close(engine, counter_image):
    before = set(labelled("containers", engine))
    with envbridge.connect(image=counter_image).sync() as client:  # the public front door
        assert client.reset(seed=2).observation["count"] == 2
        assert len(set(labelled("containers", engine)) - before) == 1
    assert set(labelled("containers", engine)) == before


def test_connect_image_async_client_removes_its_container_on_close(engine, counter_image):
    async def play() -> float:
        async with connect_image(counter_image) as client:
            await client.reset(seed=0)
            return (await client.step({"delta": -1})).reward

    before = set(labelled("containers", engine))
    assert asyncio.run(play()) == -1
    assert set(labelled("containers", engine)) == before


def test_connect_image_that_never_gets_healthy_leaves_nothing(engine, counter_image):
    before = set(labelled("containers", engine))
    with pytest.raises(DockerPackagingError, match="did not answer"):
        connect_image(
            counter_image, start_options={"command": ["sleep", "30"], "health_timeout_s": 0.5}
        )
    assert set(labelled("containers", engine)) == before


def test_forgotten_client_is_removed_when_collected(engine, counter_image):
    before = set(labelled("containers", engine))
    client = connect_image(counter_image)
    assert len(set(labelled("containers", engine)) - before) == 1
    del client
    gc.collect()
    assert set(labelled("containers", engine)) == before


def test_a_chosen_port_is_used_on_loopback(counter_image):
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    with start_container(counter_image, port=port) as running:
        assert running.url == f"http://127.0.0.1:{port}"
        assert httpx.get(f"{running.url}/health", trust_env=False).status_code == 200
