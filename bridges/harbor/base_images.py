"""Which local image stands for a task's ``FROM`` (or ``docker_image``) on the docker backend.

In order: the user's mapping (``--base-image SRC=DST``), the image itself when the engine
has it, else a local stand-in (``envbridge.docker.stand_ins``), built once per machine;
the first use of a stand-in in a process is logged once.
"""

from __future__ import annotations

import logging
import threading
from typing import Any

from envbridge.docker.stand_ins import StandIn, ensure_stand_in, stand_in_for

log = logging.getLogger("envbridge.harbor")
_announced: set[str] = set()
_announced_lock = threading.Lock()


def image_present(client: Any, name: str) -> bool:
    from docker.errors import ImageNotFound

    try:
        client.images.get(name)
    except ImageNotFound:
        return False
    return True


def planned_base(client: Any, image: str, mapping: dict[str, str]) -> tuple[str, StandIn | None]:
    """(local image, stand-in to build or None) for ``image``, building nothing."""
    if image in mapping:
        return mapping[image], None
    if image_present(client, image):
        return image, None
    stand_in = stand_in_for(image)
    if stand_in is None:
        return image, None
    return stand_in.tag, stand_in


def resolve_base(client: Any, image: str, mapping: dict[str, str]) -> str:
    """The local image to use for ``image``; builds its stand-in when needed."""
    local, stand_in = planned_base(client, image, mapping)
    if stand_in is None:
        return local
    tag = ensure_stand_in(stand_in, progress=log.info)
    with _announced_lock:
        first = image not in _announced
        _announced.add(image)
    if first:
        log.warning(
            "base image %s cannot be pulled here (no registry); using the local stand-in %s",
            image,
            stand_in.describe(),
        )
    return tag


class ImagePlan:
    """How the docker backend gets a task's image: a prebuilt image or a Dockerfile build."""

    def __init__(self, client: Any, task_id: str, environment_dir: Any, docker_image: str | None,
                 mapping: dict[str, str]):  # fmt: skip
        from envbridge.bridges.harbor.dockerfile import from_images, parse_dockerfile

        self.task_id = task_id
        self.dockerfile = environment_dir / "Dockerfile"
        self.prebuilt: str | None = None
        self.prebuilt_stand_in: StandIn | None = None
        self.bases: dict[str, tuple[str, StandIn | None]] = {}
        self.problems: list[str] = []
        if docker_image is not None:
            local, stand_in = planned_base(client, docker_image, mapping)
            if stand_in is not None or image_present(client, local):
                self.prebuilt, self.prebuilt_stand_in = docker_image, stand_in
                return
            if not self.dockerfile.is_file():
                self.problems.append(missing_image_message(task_id, local, "docker_image"))
                return
        if not self.dockerfile.is_file():
            return
        for image in from_images(parse_dockerfile(self.dockerfile.read_text())):
            local, stand_in = planned_base(client, image, mapping)
            self.bases[image] = (local, stand_in)
            if stand_in is None and not image_present(client, local):
                self.problems.append(missing_image_message(task_id, local, "FROM"))

    def describe(self) -> list[str]:
        """One sentence per decision (for lint)."""
        if self.prebuilt is not None:
            return [f"uses the prebuilt [environment].docker_image {self.prebuilt} "
                    "(present locally; environment/Dockerfile is not built)"]  # fmt: skip
        said = ["builds environment/Dockerfile"]
        for image, (local, stand_in) in self.bases.items():
            if stand_in is not None:
                said.append(f"FROM {image} cannot be pulled here: uses {stand_in.describe()}")
            elif local != image:
                said.append(f"FROM {image} is mapped to {local} (--base-image)")
        return said


def missing_image_message(task: str, image: str, where: str) -> str:
    return (
        f"task {task}: {where} image {image!r} is not available locally, no registry can be "
        "reached and envbridge has no stand-in for it; build a local image and map it "
        f"with --base-image {image}=LOCAL (serve option base_images); "
        "`envbridge base-image --stand-ins` builds the common ones"
    )
