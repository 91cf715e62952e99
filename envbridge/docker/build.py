"""``envbridge build``: an image serving any target, built offline from a local wheelhouse."""

from __future__ import annotations

import contextlib
import shutil
import tempfile
import uuid
from collections import deque
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING

from envbridge.docker.base_image import DEFAULT_BASE_TAG, PYTHON_LABEL, ensure_base_image
from envbridge.docker.debs import download_debs
from envbridge.docker.dockerfile import BUILD_STAGE_LABEL, render_dockerfile
from envbridge.docker.engine import docker_client, image_exists, run_once
from envbridge.docker.errors import DockerPackagingError
from envbridge.docker.image_config import commit_with_config, image_config
from envbridge.docker.manifest import openenv_manifest
from envbridge.docker.progress import Progress, print_progress
from envbridge.docker.target_plan import TargetPlan, plan_target
from envbridge.docker.wheelhouse import build_wheelhouse, check_wheels_fit

if TYPE_CHECKING:
    import docker


def build_image(
    target: str,
    tag: str,
    *,
    base: str = DEFAULT_BASE_TAG,
    mode: str = "simulation",
    options: dict | None = None,
    extras: Sequence[str] = (),
    requirements: Sequence[str] = (),
    labels: dict[str, str] | None = None,
    progress: Progress = print_progress,
) -> str:
    """Build ``tag`` serving ``target`` on port 8000; return the image id.

    ``extras`` (envbridge extras) and ``requirements`` (pip requirements or local
    project folders) add to what the target needs by itself.
    """
    plan = plan_target(target)
    plan.extras.update(extras)
    plan.requirements.extend(requirements)
    options = {**plan.default_options, **(options or {})} or None
    client = docker_client()
    python = base_python(client, base, progress)
    build_id = uuid.uuid4().hex[:12]
    context = Path(tempfile.mkdtemp(prefix="envbridge-docker-build-"))
    filesystem = None
    try:
        wheels = build_wheelhouse(
            context / "wheels", sorted(plan.extras), plan.requirements, progress
        )
        check_wheels_fit(wheels, python)
        debs = download_debs(plan.debian_packages, context / "debs", progress)
        _write_app(plan, context / "app")
        dockerfile = render_dockerfile(base=base, build_id=build_id, with_debs=bool(debs))
        (context / "Dockerfile").write_text(dockerfile)
        filesystem = _docker_build(client, context, progress)
        config = image_config(
            plan,
            base_env=client.images.get(base).attrs["Config"].get("Env") or [],
            mode=mode,
            options=options,
            labels=labels,
        )
        replaced = client.images.get(tag).id if image_exists(client, tag) else None
        image_id = commit_with_config(client, filesystem, tag, config)
        if replaced and replaced != image_id:
            _remove_if_untagged(client, replaced)
    finally:
        shutil.rmtree(context, ignore_errors=True)
        client.images.prune(filters={"label": f"{BUILD_STAGE_LABEL}={build_id}"})
        if filesystem is not None:
            _remove_if_untagged(client, filesystem)
    progress(f"build: {tag} ready ({image_id[:19]})")
    return image_id


def base_python(client: docker.DockerClient, base: str, progress: Progress) -> str:
    """The ``major.minor`` of python3 in ``base`` (building the offline base if it is ours)."""
    import docker

    if base == DEFAULT_BASE_TAG:
        ensure_base_image(base, progress=progress)
    elif not image_exists(client, base):
        progress(f"build: pulling {base}")
        try:
            client.images.pull(base)
        except docker.errors.DockerException as exc:
            raise DockerPackagingError(
                f"base image {base} is not in the local engine and cannot be pulled ({exc}); "
                f"without a registry use the offline base: envbridge base-image, then "
                f"--base {DEFAULT_BASE_TAG}"
            ) from exc
    labelled = client.images.get(base).labels.get(PYTHON_LABEL)
    if labelled:
        return labelled
    code, output = run_once(
        client, base, ["python3", "-c", "import sys; print('%d.%d' % sys.version_info[:2])"]
    )
    if code != 0:
        raise DockerPackagingError(
            f"base image {base} cannot run python3 ({output.strip()}); give a --base with "
            "Python 3 and useradd (Debian-like), or use the offline base"
        )
    return output.strip()


def _write_app(plan: TargetPlan, app_dir: Path) -> None:
    (app_dir / "src").mkdir(parents=True)
    ignore = shutil.ignore_patterns("__pycache__", "*.pyc", ".git")
    for source, inside in plan.copies:
        if source.is_dir():
            shutil.copytree(source, app_dir / inside, ignore=ignore)
        else:
            shutil.copy2(source, app_dir / inside)
    (app_dir / "openenv.yaml").write_text(openenv_manifest(plan))


def _docker_build(client: docker.DockerClient, context: Path, progress: Progress) -> str:
    """Build the file system image (untagged); return its id."""
    progress("build: docker build (offline: --network none)")
    tail: deque[str] = deque(maxlen=30)
    image_id = None
    for chunk in client.api.build(
        path=str(context),
        rm=True,
        forcerm=True,
        pull=False,
        decode=True,
        network_mode="none",  # proof that nothing is fetched
    ):
        if "error" in chunk:
            raise DockerPackagingError(
                f"docker build failed: {chunk['error'].strip()}\n" + "\n".join(tail)
            )
        line = chunk.get("stream", "").rstrip()
        if line:
            tail.append(line)
            if line.startswith("Step "):
                progress(f"build:   {line}")
        image_id = chunk.get("aux", {}).get("ID", image_id)
    if image_id is None:
        raise DockerPackagingError("docker build ended without an image:\n" + "\n".join(tail))
    return image_id


def _remove_if_untagged(client: docker.DockerClient, image_id: str) -> None:
    """Drop an image nothing names any more (a build's file system, a replaced tag).

    Docker refuses while a container or a child image uses it; then it stays.
    """
    import docker

    with contextlib.suppress(docker.errors.APIError):
        if not client.images.get(image_id).tags:
            client.images.remove(image_id)
