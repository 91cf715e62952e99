"""Fixtures for the Docker tests: the real engine, the cached base image, leak counting."""

from __future__ import annotations

import importlib.util
import tempfile
import uuid
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest

from tests.docker_gate import no_engine

docker = pytest.importorskip("docker")

ROOT = Path(__file__).resolve().parents[2]
TEST_RUN_LABEL = "org.envbridge.test-run"
TEST_RUN_ID = uuid.uuid4().hex[:12]
"""Every image the tests build carries this label; containers inherit it from the image."""


def _engine() -> docker.DockerClient | None:
    try:
        client = docker.from_env()
        client.ping()
    except docker.errors.DockerException:
        return None
    return client


@pytest.fixture(scope="session")
def engine() -> docker.DockerClient:
    client = _engine()
    if client is None:
        no_engine()
    return client


@pytest.fixture(scope="session")
def base_image(engine: docker.DockerClient) -> str:
    """The offline base image (built once, then cached across sessions)."""
    from envbridge.docker import ensure_base_image

    return ensure_base_image()


def labelled(kind: str, client: docker.DockerClient) -> list[str]:
    """IDs of this test run's containers (running or not) or images."""
    label = {"label": f"{TEST_RUN_LABEL}={TEST_RUN_ID}"}
    if kind == "containers":
        return [c.id for c in client.containers.list(all=True, filters=label)]
    return [i.id for i in client.images.list(filters=label)]


@pytest.fixture(autouse=True)
def no_leaked_containers(request: pytest.FixtureRequest) -> Iterator[None]:
    """Every container a test starts from this run's images is gone when the test ends."""
    client = _engine()
    before = set(labelled("containers", client)) if client else set()
    yield
    if client:
        leaked = set(labelled("containers", client)) - before
        assert not leaked, f"{request.node.name} leaked containers {sorted(leaked)}"


def _scratch_dirs() -> set[str]:
    """Temporary folders envbridge.docker creates (build contexts, root file systems)."""
    scratch = Path(tempfile.gettempdir())
    return {
        p.name
        for pattern in ("envbridge-docker-*", "envbridge-base-*")
        for p in scratch.glob(pattern)
    }


@pytest.fixture(scope="session", autouse=True)
def no_leaked_networks_images_or_folders() -> Iterator[None]:
    """The session leaves the networks and temp folders it found, and none of its images."""
    client = _engine()
    networks = {n.id for n in client.networks.list()} if client else set()
    folders = _scratch_dirs()
    yield
    assert _scratch_dirs() <= folders, "temporary build folders were left behind"
    if client:
        assert not labelled("images", client), "test images were left behind"
        assert {n.id for n in client.networks.list()} <= networks, "networks leaked"


TEST_IMAGES: dict[str, tuple[str, str | None]] = {
    "counter": ("envs.native.counter:CounterEnv", None),
    "cartpole": ("gym:CartPole-v1", "envbridge.bridges.gymnasium"),
    "harbor": (f"harbor:{ROOT / 'envs' / 'harbor'}", "envbridge.bridges.harbor"),
}
"""name -> (serve target, the bridge module it needs: images are built only when present)."""


def build_test_image(target: str, name: str) -> str:
    """Build ``target`` as a test image, labelled so leaks are countable."""
    from envbridge.docker.build import build_image

    tag = f"envbridge-test/{name}:{TEST_RUN_ID}"
    build_image(target, tag, labels={TEST_RUN_LABEL: TEST_RUN_ID})
    return tag


@pytest.fixture(scope="session")
def test_images(engine: docker.DockerClient, base_image: str) -> Iterator[dict[str, str]]:
    """Every test image whose bridge is installed, built concurrently once per session."""
    wanted = {
        name: target
        for name, (target, bridge) in TEST_IMAGES.items()
        if bridge is None or importlib.util.find_spec(bridge) is not None
    }
    with ThreadPoolExecutor(max_workers=len(wanted)) as pool:
        futures = {name: pool.submit(build_test_image, t, name) for name, t in wanted.items()}
    built = {name: f.result() for name, f in futures.items() if not f.exception()}
    try:
        for future in futures.values():
            if future.exception():
                raise future.exception()
        yield built
    finally:
        for tag in built.values():
            engine.images.remove(tag, force=True)


def _image_or_skip(images: dict[str, str], name: str) -> str:
    if name not in images:
        pytest.skip(f"the bridge for the {name} image is not installed")
    return images[name]


@pytest.fixture(scope="session")
def counter_image(test_images: dict[str, str]) -> str:
    """The native sample env (envs.native.counter) as an image."""
    return _image_or_skip(test_images, "counter")


@pytest.fixture(scope="session")
def harbor_image(test_images: dict[str, str]) -> str:
    """The sample harbor task set (envs/harbor) through the harbor bridge, as an image."""
    return _image_or_skip(test_images, "harbor")


@pytest.fixture(scope="session")
def cartpole_image(test_images: dict[str, str]) -> str:
    """Gymnasium's CartPole-v1 through the gymnasium bridge, as an image."""
    return _image_or_skip(test_images, "cartpole")
