"""A Gymnasium env (CartPole-v1 through the gymnasium bridge) as an image."""

from __future__ import annotations

import pytest
from openenv.core.generic_client import GenericEnvClient

from envbridge.docker.cli import check_image_main
from envbridge.docker.connect import connect_image
from tests.docker.conftest import labelled

pytestmark = pytest.mark.docker


def test_openenv_docker_launcher_plays_cartpole_in_our_image(engine, cartpole_image):
    before = set(labelled("containers", engine))
    client = GenericEnvClient.from_docker_image(cartpole_image).sync()
    try:
        first = client.reset(seed=0)
        assert len(first.observation["observation"]) == 4
        result = client.step({"action": 1})
        assert result.reward == 1.0
        assert result.observation["terminated"] is False
    finally:
        client.close()
    assert set(labelled("containers", engine)) == before


def test_same_seed_same_cartpole_start_across_fresh_containers(cartpole_image):
    starts = []
    for _ in range(2):
        with connect_image(cartpole_image).sync() as client:
            starts.append(client.reset(seed=7).observation["observation"])
    assert starts[0] == starts[1]


def test_cartpole_image_passes_the_conformance_kit(engine, cartpole_image, capsys):
    pytest.importorskip("envbridge.conformance.cli")
    before = set(labelled("containers", engine))
    code = check_image_main(["--image", cartpole_image, "--quick"])
    assert code == 0, capsys.readouterr().out
    assert set(labelled("containers", engine)) == before
