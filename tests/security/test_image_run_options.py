"""Attack 3: a third-party image asks, through its ``org.envbridge.run-options`` label, for
``privileged``, a host mount, host networking or extra capabilities, and ``envbridge run``
/ ``connect(image=...)`` used to pass that JSON straight to ``docker run``.

Defence: an image may only choose ``ports``, ``environment``, ``healthcheck`` and
``command``; any other key is refused, naming it, before a container exists.

Attack 5 (packaged images): the container runs with every capability dropped,
``no-new-privileges``, a pids limit and memory/CPU limits; the probe checks from inside.
"""

from __future__ import annotations

import docker
import httpx
import pytest

from envbridge.docker import DockerPackagingError
from envbridge.docker.container import start_container
from tests.security.images import TEST_LABEL, build_probe, containers_of

pytestmark = pytest.mark.docker

HOSTILE = {
    "privileged": {"privileged": True},
    "volumes": {"volumes": {"/": {"bind": "/host", "mode": "rw"}}},
    "network_mode": {"network_mode": "host"},
    "cap_add": {"cap_add": ["SYS_ADMIN"]},
    "security_opt": {"security_opt": ["seccomp=unconfined"]},
    "pid_mode": {"environment": {"A": "1"}, "pid_mode": "host"},
}


@pytest.fixture(scope="module")
def client():
    try:
        engine = docker.from_env()
        engine.ping()
    except docker.errors.DockerException:
        pytest.skip("no Docker engine")  # the suite's docker gate turns this into a failure
    yield engine
    for image in engine.images.list(filters={"label": TEST_LABEL}):
        engine.images.remove(image.id, force=True)
    engine.close()


@pytest.fixture(scope="module")
def base(client, request):
    return request.getfixturevalue("base_image")


@pytest.mark.parametrize("option", sorted(HOSTILE))
def test_image_label_cannot_choose_dangerous_run_options(client, base, option):
    image = build_probe(client, base, HOSTILE[option])
    with pytest.raises(DockerPackagingError, match=rf"'{option}'") as refused:
        start_container(image, health_timeout_s=20).close()
    assert "ports, environment, healthcheck, command" in str(refused.value)
    assert containers_of(client, image) == []


def test_allowed_label_options_apply_and_packaged_containers_are_unprivileged(client, base):
    image = build_probe(client, base, {"environment": {"FROM_LABEL": "yes"}})
    with start_container(image, health_timeout_s=30) as running:
        seen = httpx.get(f"{running.url}/probe", trust_env=False).json()
        host = client.containers.get(running.id).attrs["HostConfig"]
    assert seen["env"]["FROM_LABEL"] == "yes"
    assert seen["uid"] == 0  # the probe image runs as root, and root holds nothing:
    assert int(seen["CapEff"], 16) == 0 and int(seen["CapBnd"], 16) == 0
    assert seen["NoNewPrivs"] == "1"
    assert host["CapDrop"] == ["ALL"] and not host["CapAdd"]
    assert "no-new-privileges" in (host["SecurityOpt"] or [])
    assert host["PidsLimit"] and host["Memory"] and host["NanoCpus"]
    assert not host["Privileged"]
