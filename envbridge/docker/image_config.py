"""The runtime settings of an envbridge image, applied by committing the built file system.

Port 8000 (OpenEnv's convention), a non-root user, ``envbridge serve TARGET`` as the
command, a health check on ``/health`` and labels naming the target.
"""

from __future__ import annotations

import json
from typing import TYPE_CHECKING

from envbridge import __version__
from envbridge.docker.dockerfile import USER, VENV
from envbridge.docker.manifest import CONTAINER_PORT
from envbridge.docker.nested_sandbox import NESTED_SANDBOX
from envbridge.docker.run_options import NEEDS_LABEL
from envbridge.docker.target_plan import APP_DIR, SOURCE_DIR, TargetPlan
from envbridge.docker.variables import MODE_VAR, OPTIONS_VAR, TARGET_VAR

if TYPE_CHECKING:
    import docker

TARGET_LABEL = "org.envbridge.target"
SECOND = 1_000_000_000
"""Docker's health check durations are nanoseconds."""


def serve_command(plan: TargetPlan, mode: str, options: dict | None) -> list[str]:
    """The image's command: ``envbridge serve TARGET`` on 0.0.0.0:8000."""
    command = [f"{VENV}/bin/envbridge", "serve", plan.target, "--host", "0.0.0.0"]
    command += ["--port", str(CONTAINER_PORT), "--mode", mode]
    if options:
        command += ["--options", json.dumps(options)]
    return command


def image_config(
    plan: TargetPlan,
    *,
    base_env: list[str],
    mode: str = "simulation",
    options: dict | None = None,
    labels: dict[str, str] | None = None,
) -> dict:
    """The container config (Docker API shape) committed into the final image."""
    env = dict(item.partition("=")[::2] for item in base_env)
    path = env.get("PATH", "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin")
    env.update(
        {
            "PATH": f"{path}:{VENV}/bin",
            "PYTHONPATH": SOURCE_DIR,
            "PYTHONUNBUFFERED": "1",
            TARGET_VAR: plan.target,
            MODE_VAR: mode,
            OPTIONS_VAR: json.dumps(options or {}),
        }
    )
    probe = (
        "import urllib.request; "
        f"urllib.request.urlopen('http://127.0.0.1:{CONTAINER_PORT}/health', timeout=2)"
    )
    run_labels = {NEEDS_LABEL: NESTED_SANDBOX.name} if plan.sandbox_privileges else {}
    return {
        "User": "root" if plan.sandbox_privileges else USER,
        "WorkingDir": APP_DIR,
        "Env": [f"{key}={value}" for key, value in env.items()],
        "ExposedPorts": {f"{CONTAINER_PORT}/tcp": {}},
        "Healthcheck": {
            "Test": ["CMD", f"{VENV}/bin/python", "-c", probe],
            "Interval": 5 * SECOND,
            "Timeout": 3 * SECOND,
            "StartPeriod": 30 * SECOND,
            "Retries": 3,
        },
        "Labels": {
            TARGET_LABEL: plan.target,
            "org.envbridge.version": __version__,
            **run_labels,
            **(labels or {}),
        },
        "Entrypoint": None,
        "Cmd": serve_command(plan, mode, options),
    }


def commit_with_config(
    client: docker.DockerClient, filesystem_image: str, tag: str, config: dict
) -> str:
    """Commit ``filesystem_image`` as ``tag`` with ``config``; return the new image id."""
    from docker.utils import parse_repository_tag

    repository, version = parse_repository_tag(tag)
    container = client.containers.create(filesystem_image)
    try:
        image = container.commit(repository, version or "latest", conf=config)
    finally:
        container.remove(force=True)
    return image.id
