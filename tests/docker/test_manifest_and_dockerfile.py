"""The image's openenv.yaml speaks OpenEnv's manifest; its app string really serves."""

from __future__ import annotations

from pathlib import Path

import httpx
import openenv
import pytest
import yaml

from envbridge.docker.container_app import app_from_environment
from envbridge.docker.dockerfile import render_dockerfile
from envbridge.docker.image_config import image_config
from envbridge.docker.manifest import openenv_manifest
from envbridge.docker.target_plan import TargetPlan

OPENENV_TEMPLATE = Path(openenv.__file__).parent / "cli/templates/openenv_env/openenv.yaml"


def test_manifest_has_every_top_level_field_of_openenvs_template_with_same_types():
    ours = yaml.safe_load(openenv_manifest(TargetPlan(target="gym:CartPole-v1", name="cartpole")))
    template = yaml.safe_load(OPENENV_TEMPLATE.read_text())
    for key, value in template.items():
        if key == "validation":  # optional: declares rewards we cannot know in general
            continue
        assert key in ours, key
        assert type(ours[key]) is type(value), key
    assert ours["port"] == 8000
    assert ours["name"] == "cartpole"


def test_manifest_app_is_an_import_string_that_serves_the_target():
    module, _, attr = "envbridge.docker.container_app:app".partition(":")
    assert yaml.safe_load(openenv_manifest(TargetPlan("x:y", "n")))["app"] == f"{module}:{attr}"
    app = app_from_environment(
        {"ENVBRIDGE_TARGET": "envs.native.counter:CounterEnv", "ENVBRIDGE_OPTIONS": '{"target": 3}'}
    )
    transport = httpx.ASGITransport(app=app)

    async def probe():
        async with httpx.AsyncClient(transport=transport, base_url="http://app") as client:
            return (await client.get("/health")).json(), (await client.get("/metadata")).json()

    import asyncio

    health, metadata = asyncio.run(probe())
    assert health["status"] == "healthy"
    assert metadata["name"] == "counter"


def test_app_without_a_target_says_which_variable_to_set():
    with pytest.raises(RuntimeError, match="ENVBRIDGE_TARGET"):
        app_from_environment({})


def test_dockerfile_installs_offline_and_copies_one_prepared_tree():
    text = render_dockerfile(base="envbridge/base:py3", build_id="abc")
    assert "--no-index" in text
    assert text.count("FROM envbridge/base:py3") == 2
    assert text.strip().endswith("COPY --from=install /stage /")
    assert "useradd" in text


def test_image_config_serves_the_target_as_non_root_with_a_health_check():
    plan = TargetPlan(target="harbor:/app/tasks/$HOME", name="t")
    config = image_config(
        plan,
        base_env=["PATH=/usr/bin:/bin", "LANG=C.UTF-8"],
        mode="production",
        options={"size": 4},
        labels={"team": "rl"},
    )
    assert config["User"] == "envbridge"
    assert config["Cmd"][1:] == [
        "serve", "harbor:/app/tasks/$HOME", "--host", "0.0.0.0", "--port", "8000",
        "--mode", "production", "--options", '{"size": 4}',
    ]  # fmt: skip
    assert "/health" in " ".join(config["Healthcheck"]["Test"])
    assert "PATH=/usr/bin:/bin:/opt/envbridge/bin" in config["Env"]
    assert "LANG=C.UTF-8" in config["Env"]
    assert "ENVBRIDGE_TARGET=harbor:/app/tasks/$HOME" in config["Env"]
    assert config["Labels"]["team"] == "rl"
    assert config["ExposedPorts"] == {"8000/tcp": {}}
