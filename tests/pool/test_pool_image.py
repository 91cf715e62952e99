"""Image servers: the pool runs a Docker image through envbridge's docker helper, drives
it, and removes the container on close (needs a Docker engine; skipped without one)."""

from __future__ import annotations

import uuid

import pytest

from envbridge import SyncPool
from envbridge.pool import ImageSource

pytestmark = [pytest.mark.docker, pytest.mark.slow]  # builds an image: 35-100 s here


@pytest.fixture(scope="module")
def counter_image():
    docker = pytest.importorskip("docker")
    build = pytest.importorskip("envbridge.docker.build")
    try:
        engine = docker.from_env()
        engine.ping()
    except docker.errors.DockerException:
        pytest.skip("no Docker engine reachable")
    tag = f"envbridge-pool-test/counter:{uuid.uuid4().hex[:8]}"
    build.build_image("envs.native.counter:CounterEnv", tag, progress=lambda message: None)
    try:
        yield engine, tag
    finally:
        engine.images.remove(tag, force=True)
        engine.close()


def test_the_pool_runs_drives_and_removes_an_image_server(counter_image):
    engine, tag = counter_image
    pool = SyncPool()
    pool.add(ImageSource(tag), sessions=2, name="counter-image")
    with pool:
        assert pool.stats().server("counter-image").kind == "image"
        assert pool.stats().server("counter-image").batched  # an envbridge server inside
        assert [r.observation["count"] for r in pool.reset(seed=1)] == [1, 2]
        assert [r.reward for r in pool.step([{"delta": 3}] * 2)] == [3, 3]
        running = [c for c in engine.containers.list() if tag in c.image.tags]
        assert len(running) == 1
    assert [c for c in engine.containers.list(all=True) if tag in c.image.tags] == []


def test_the_ray_engine_runs_an_image_on_its_actors_node(counter_image, monkeypatch):
    ray = pytest.importorskip("ray")
    monkeypatch.setenv("RAY_ENABLE_WINDOWS_OR_OSX_CLUSTER", "0")  # Ray on loopback only
    monkeypatch.setenv("RAY_TMPDIR", "/tmp/ray")  # the pool tests' TMPDIR is too deep for sockets
    engine, tag = counter_image
    node = {"num_cpus": 1, "object_store_memory": 80 * 1024 * 1024}
    pool = SyncPool(engine="ray", engine_options={"init_options": node})
    pool.add(ImageSource(tag), sessions=2, name="counter-image")
    with pool:
        stats = pool.stats().server("counter-image")
        assert stats.kind == "image"
        assert stats.node, "placed on a Ray node"
        assert [r.observation["count"] for r in pool.reset(seed=1)] == [1, 2]
        running = [c for c in engine.containers.list() if tag in c.image.tags]
        assert len(running) == 1
    assert not ray.is_initialized()
    assert [c for c in engine.containers.list(all=True) if tag in c.image.tags] == []
