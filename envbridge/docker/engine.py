"""Access to the local Docker engine (docker-py), with an actionable error when it is absent."""

from __future__ import annotations

from typing import TYPE_CHECKING

from envbridge.docker.errors import DockerPackagingError

if TYPE_CHECKING:
    import docker


def docker_client() -> docker.DockerClient:
    """A client for the engine at $DOCKER_HOST (default: the local socket)."""
    try:
        import docker
    except ImportError as exc:
        raise DockerPackagingError(
            "the Docker commands need docker-py: pip install 'envbridge[docker]'"
        ) from exc
    try:
        client = docker.from_env()
        client.ping()
    except docker.errors.DockerException as exc:
        raise DockerPackagingError(
            f"cannot reach the Docker engine ({exc}); start dockerd or set DOCKER_HOST"
        ) from exc
    return client


def engine_reachable(timeout_s: float = 5.0) -> bool:
    """True when docker-py is installed and an engine answers a ping (never raises)."""
    try:
        import docker
    except ImportError:
        return False
    try:
        client = docker.from_env(timeout=timeout_s)
    except Exception:
        return False
    try:
        return bool(client.ping())
    except Exception:
        return False
    finally:
        client.close()


def image_exists(client: docker.DockerClient, tag: str) -> bool:
    """True when ``tag`` names an image in the local engine."""
    import docker

    try:
        client.images.get(tag)
    except docker.errors.ImageNotFound:
        return False
    return True


def run_once(client: docker.DockerClient, image: str, command: list[str]) -> tuple[int, str]:
    """Run ``command`` in a throwaway container; (exit code, output). Always removed.

    (docker-py's ``containers.run(remove=True)`` leaves the container behind when it
    cannot be started, e.g. when the command does not exist.)
    """
    import docker

    container = client.containers.create(image, command)
    try:
        try:
            container.start()
        except docker.errors.APIError as exc:
            return 127, str(exc.explanation or exc)
        status = container.wait()
        return status["StatusCode"], container.logs().decode(errors="replace")
    finally:
        container.remove(force=True)
