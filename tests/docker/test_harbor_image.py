"""A harbor task set as an image: episodes sandboxed by bubblewrap inside the container."""

from __future__ import annotations

import json

import pytest

import envbridge
from envbridge.docker.cli import check_image_main
from envbridge.docker.connect import connect_image
from envbridge.docker.image_config import RUN_OPTIONS_LABEL
from tests.docker.conftest import labelled

pytestmark = pytest.mark.docker

SUBMIT = {"type": "call_tool", "tool_name": "submit", "arguments": {}}


def test_harbor_image_declares_the_sandbox_privileges_it_needs(engine, harbor_image):
    image = engine.images.get(harbor_image)
    assert image.attrs["Config"]["User"] == "root"
    options = json.loads(image.labels[RUN_OPTIONS_LABEL])
    assert "SYS_ADMIN" in options["cap_add"]
    assert "seccomp=unconfined" in options["security_opt"]


def test_solving_a_task_in_the_container_scores_one(engine, harbor_image):
    before = set(labelled("containers", engine))
    with connect_image(harbor_image).sync() as client:
        first = client.reset(options={"task_id": "hello-file"})
        assert "Hello, harbor!" in first.observation["instruction"]
        client.call_tool("exec", command="printf 'Hello, harbor!\\n' > /app/greeting.txt")
        result = client.step(SUBMIT)
        assert result.done is True
        assert result.reward == 1.0
    assert set(labelled("containers", engine)) == before


def test_submitting_without_work_scores_zero_and_sessions_do_not_share_files(harbor_image):
    with connect_image(harbor_image).sync() as solver:
        solver.reset(options={"task_id": "hello-file"})
        solver.call_tool("exec", command="printf 'Hello, harbor!\\n' > /app/greeting.txt")
        with envbridge.connect(solver.container.url).sync() as idler:  # same container
            idler.reset(options={"task_id": "hello-file"})
            assert idler.step(SUBMIT).reward == 0.0
        assert solver.step(SUBMIT).reward == 1.0


def test_harbor_image_passes_the_conformance_kit(engine, harbor_image, capsys):
    pytest.importorskip("envbridge.conformance.cli")
    code = check_image_main(["--image", harbor_image, "--quick", "--nondeterministic"])
    assert code == 0, capsys.readouterr().out
