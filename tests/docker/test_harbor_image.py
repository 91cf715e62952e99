"""A harbor task set as an image: episodes sandboxed by bubblewrap inside the container."""

from __future__ import annotations

import pytest

import envbridge
from envbridge.docker import DockerPackagingError
from envbridge.docker.cli import check_image_main
from envbridge.docker.connect import connect_image
from envbridge.docker.container import start_container
from envbridge.docker.run_options import NEEDS_LABEL
from tests.docker.conftest import labelled

pytestmark = pytest.mark.docker

SUBMIT = {"type": "call_tool", "tool_name": "submit", "arguments": {}}
GRANTED = {"grants": ["nested-sandbox"]}


def test_harbor_image_names_its_need_and_starts_only_when_granted(engine, harbor_image):
    image = engine.images.get(harbor_image)
    assert image.attrs["Config"]["User"] == "root"
    assert image.labels[NEEDS_LABEL] == "nested-sandbox"
    before = set(labelled("containers", engine))
    with pytest.raises(DockerPackagingError, match=r"needs 'nested-sandbox'.*--grant"):
        start_container(harbor_image)
    assert set(labelled("containers", engine)) == before
    with start_container(harbor_image, **GRANTED) as running:
        host = engine.containers.get(running.id).attrs["HostConfig"]
    assert host["CapDrop"] == ["ALL"] and "SYS_ADMIN" not in host["CapAdd"]
    assert "NET_ADMIN" not in host["CapAdd"] and "no-new-privileges" in host["SecurityOpt"]
    assert not any(opt.endswith("unconfined") for opt in host["SecurityOpt"])


def test_solving_a_task_in_the_container_scores_one(engine, harbor_image):
    before = set(labelled("containers", engine))
    with connect_image(harbor_image, start_options=GRANTED).sync() as client:
        first = client.reset(options={"task_id": "hello-file"})
        assert "Hello, harbor!" in first.observation["instruction"]
        client.call_tool("exec", command="printf 'Hello, harbor!\\n' > /app/greeting.txt")
        result = client.step(SUBMIT)
        assert result.done is True
        assert result.reward == 1.0
    assert set(labelled("containers", engine)) == before


def test_submitting_without_work_scores_zero_and_sessions_do_not_share_files(harbor_image):
    with connect_image(harbor_image, start_options=GRANTED).sync() as solver:
        solver.reset(options={"task_id": "hello-file"})
        solver.call_tool("exec", command="printf 'Hello, harbor!\\n' > /app/greeting.txt")
        with envbridge.connect(solver.container.url).sync() as idler:  # same container
            idler.reset(options={"task_id": "hello-file"})
            assert idler.step(SUBMIT).reward == 0.0
        assert solver.step(SUBMIT).reward == 1.0


def test_harbor_image_passes_the_conformance_kit(engine, harbor_image, capsys):
    pytest.importorskip("envbridge.conformance.cli")
    code = check_image_main(
        ["--image", harbor_image, "--grant", "nested-sandbox", "--quick", "--nondeterministic"]
    )
    assert code == 0, capsys.readouterr().out
