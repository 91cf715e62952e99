"""Start an image's server on a loopback port, wait for health, always clean up.

``start_container`` is the one way envbridge runs an image (``envbridge run``,
``connect(image=...)``, ``check --image``): the port is published on 127.0.0.1 only,
and the container is removed on close and on every start-up or health failure. The image
chooses only what :mod:`envbridge.docker.run_options` allows; every container runs
hardened (no capabilities, no-new-privileges, pids/memory/CPU limits) unless the caller
grants a named need (``grants=["nested-sandbox"]``).
"""

from __future__ import annotations

import contextlib
import re
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, TypeVar

import httpx

from envbridge.docker.engine import docker_client, image_exists
from envbridge.docker.errors import DockerPackagingError
from envbridge.docker.manifest import CONTAINER_PORT
from envbridge.docker.nested_sandbox import NESTED_SANDBOX
from envbridge.docker.run_options import granted_options, hardening
from envbridge.docker.run_options import image_run_options as checked_run_options

if TYPE_CHECKING:
    import docker
    from docker.models.containers import Container

T = TypeVar("T")

MANAGED_LABEL = "org.envbridge.managed"
"""Set on every container envbridge starts, so leftovers are easy to find."""


@dataclass
class RunningContainer:
    """A started, healthy container: its URL and the handle that removes it."""

    url: str
    container: Container
    startup_s: float
    """Seconds from ``docker run`` to the first healthy ``/health`` reply."""
    _closed: bool = field(default=False, repr=False)

    @property
    def id(self) -> str:
        return self.container.id

    def logs(self) -> str:
        """Everything the server printed so far."""
        return self.container.logs().decode(errors="replace")

    def close(self, timeout_s: int = 5) -> None:
        """Stop the server (SIGTERM, then SIGKILL after ``timeout_s``) and remove it."""
        if self._closed:
            return
        self._closed = True
        _remove(self.container, timeout_s)

    def __enter__(self) -> RunningContainer:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()


def start_container(
    image: str,
    *,
    port: int | None = None,
    command: list[str] | None = None,
    environment: dict[str, str] | None = None,
    health_timeout_s: float = 60.0,
    labels: dict[str, str] | None = None,
    client: docker.DockerClient | None = None,
    grants: list[str] | None = None,
    memory_mb: int | None = None,
    cpus: float | None = None,
    pids_limit: int | None = None,
    host: str = "127.0.0.1",
) -> RunningContainer:
    """Run ``image`` with port 8000 on ``host:port`` (free port if None), wait healthy.

    ``host`` is loopback unless a cluster engine publishes the server on a node's address.

    ``command`` overrides the image's command. ``grants`` names the needs (see
    :data:`envbridge.docker.run_options.NEEDS`) the caller accepts for this image; the
    limits default to :mod:`envbridge.docker.run_options`' defaults. On any failure
    (start, early exit, health timeout, Ctrl-C) the container is removed before the error
    propagates.
    """
    import docker

    client = client or docker_client()
    if not image_exists(client, image):
        raise DockerPackagingError(
            f"image {image!r} is not in the local Docker engine; build it with: "
            f"envbridge build TARGET -t {image} (or docker pull it where a registry is reachable)"
        )
    options = _run_options(client, image, grants or [])
    options.update(hardening(memory_mb=memory_mb, cpus=cpus, pids_limit=pids_limit))
    for key, value in options.pop("granted").items():
        options[key] = [*options.get(key, []), *value] if isinstance(value, list) else value
    options["ports"][f"{CONTAINER_PORT}/tcp"] = (host, port)
    options["environment"].update(environment or {})
    if command is not None:
        options["command"] = command
    name = _container_name(image)
    started = time.monotonic()
    try:
        container = client.containers.run(
            image,
            name=name,
            detach=True,
            labels={MANAGED_LABEL: "1", **(labels or {})},
            **options,
        )
    except docker.errors.APIError as exc:
        _remove_by_name(client, name)
        raise DockerPackagingError(f"cannot start {image}: {exc.explanation or exc}") from exc
    except BaseException:  # Ctrl-C between create and start
        _remove_by_name(client, name)
        raise
    try:
        url = f"http://{host}:{_published_port(container)}"
        _wait_healthy(container, url, health_timeout_s)
    except BaseException:
        _remove(container, timeout_s=0)
        raise
    return RunningContainer(url=url, container=container, startup_s=time.monotonic() - started)


def image_run_options(client: docker.DockerClient, image: str) -> dict[str, Any]:
    """The docker-run options ``image``'s label asks for, refused unless allow-listed."""
    return checked_run_options(client.images.get(image).labels or {}, image)


def _run_options(client: docker.DockerClient, image: str, grants: list[str]) -> dict[str, Any]:
    labels = client.images.get(image).labels or {}
    options = checked_run_options(labels, image)
    options.setdefault("ports", {})
    options.setdefault("environment", {})
    options["granted"] = granted_options(image, labels, grants)
    return options


NESTED_SANDBOX_GRANT = NESTED_SANDBOX.name
"""``grants=[NESTED_SANDBOX_GRANT]`` starts the packaged harbor image."""


def _published_port(container: Container) -> int:
    container.reload()
    bindings = container.ports.get(f"{CONTAINER_PORT}/tcp") or []
    if not bindings:
        raise DockerPackagingError(
            f"container {container.short_id} exited before publishing port {CONTAINER_PORT}:\n"
            + container.logs(tail=20).decode(errors="replace")
        )
    return int(bindings[0]["HostPort"])


def _wait_healthy(container: Container, url: str, timeout_s: float) -> None:
    deadline = time.monotonic() + timeout_s
    with httpx.Client(trust_env=False, timeout=2.0) as http:
        while True:
            try:
                if http.get(f"{url}/health").status_code == 200:
                    return
            except httpx.HTTPError:
                pass
            container.reload()
            if container.status in ("exited", "dead"):
                raise DockerPackagingError(
                    f"the server in {container.image.tags or container.image.id} exited "
                    f"(status {container.attrs['State']['ExitCode']}) before becoming healthy:\n"
                    + container.logs(tail=30).decode(errors="replace")
                )
            if time.monotonic() > deadline:
                raise DockerPackagingError(
                    f"{url}/health did not answer 200 within {timeout_s:.0f} s; last output:\n"
                    + container.logs(tail=30).decode(errors="replace")
                )
            time.sleep(0.1)


def _remove(container: Container, timeout_s: int) -> None:
    import docker

    try:
        if timeout_s > 0:
            container.stop(timeout=timeout_s)
        container.remove(force=True)
    except docker.errors.NotFound:
        pass


def _remove_by_name(client: docker.DockerClient, name: str) -> None:
    """docker run may create the container and then fail to start it (port taken)."""
    import docker

    with contextlib.suppress(docker.errors.NotFound):
        client.containers.get(name).remove(force=True)


def _container_name(image: str) -> str:
    stem = re.sub(r"[^a-zA-Z0-9_.-]+", "-", image.rsplit("/", 1)[-1]).strip("-.") or "image"
    return f"envbridge-{stem}-{uuid.uuid4().hex[:8]}"


def run_against_image(image: str, use: Callable[[str], T], **start_options: Any) -> T:
    """Start ``image``, call ``use(url)`` (e.g. the conformance kit), always remove it."""
    with start_container(image, **start_options) as running:
        return use(running.url)
