"""The official OpenEnv client's docker launcher starts and drives an envbridge image."""

from __future__ import annotations

import asyncio

import pytest
from openenv.core.generic_client import GenericEnvClient

from tests.docker.conftest import labelled

pytestmark = pytest.mark.docker


def test_openenv_from_docker_image_sync_drives_an_episode_and_stops_it(engine, counter_image):
    before = set(labelled("containers", engine))
    client = GenericEnvClient.from_docker_image(counter_image).sync()
    try:
        assert len(set(labelled("containers", engine)) - before) == 1
        first = client.reset(seed=1)
        result = client.step({"delta": 3})
        assert result.observation["count"] == first.observation["count"] + 3
        assert result.reward == 3
        assert result.done is False
        assert client.state()["step_count"] == 1
    finally:
        client.close()
    assert set(labelled("containers", engine)) == before


def test_openenv_from_docker_image_async_plays_to_done(engine, counter_image):
    async def play() -> list[bool]:
        client = await GenericEnvClient.from_docker_image(counter_image)
        try:
            await client.reset(seed=0)
            dones = []
            for _ in range(20):
                result = await client.step({"delta": 5})
                dones.append(result.done)
                if result.done:
                    break
            return dones
        finally:
            await client.close()

    before = set(labelled("containers", engine))
    dones = asyncio.run(play())
    assert dones[-1] is True
    assert not any(dones[:-1])
    assert set(labelled("containers", engine)) == before
