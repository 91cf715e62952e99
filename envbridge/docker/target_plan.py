"""What an image needs for a serve target: extras, wheels, files, and the in-image target.

``module:factory`` and ``gym:module:Env-v0`` ship the module's top-level package as
source (or its distribution as a wheel when it is installed); ``verifiers:NAME`` ships
the environment's distribution; ``harbor:PATH`` copies the task folder into the image.
"""

from __future__ import annotations

import importlib.machinery
import importlib.metadata
import json
import re
import sys
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import unquote, urlparse

from envbridge.docker.errors import DockerPackagingError

APP_DIR = "/app"
SOURCE_DIR = f"{APP_DIR}/src"
TASKS_DIR = f"{APP_DIR}/tasks"


@dataclass(slots=True)
class TargetPlan:
    """Everything the build needs to know about one serve target."""

    target: str
    """The target as the server inside the image resolves it."""
    name: str
    """A manifest-friendly environment name."""
    extras: set[str] = field(default_factory=set)
    requirements: list[str] = field(default_factory=list)
    copies: list[tuple[Path, str]] = field(default_factory=list)
    """(host path, path relative to /app) pairs."""
    debian_packages: list[str] = field(default_factory=list)
    """Debian packages (without dependencies beyond the base) unpacked into the image."""
    default_options: dict[str, object] = field(default_factory=dict)
    """Serve options the target needs in a container (the user's options win)."""
    sandbox_privileges: bool = False
    """The server makes its own sandboxes (bubblewrap): root, CAP_SYS_ADMIN, no seccomp."""


def plan_target(target: str) -> TargetPlan:
    """Work out how to package ``target``; raise with a fix when it cannot be."""
    prefix, sep, rest = target.partition(":")
    if not sep or not rest:
        raise DockerPackagingError(
            f"target {target!r} is not of the form module:factory, gym:ID, verifiers:NAME or "
            "harbor:PATH"
        )
    if prefix == "harbor":
        return _plan_harbor(rest)
    if prefix == "gym":
        plan = TargetPlan(target=target, name=_slug(rest.rpartition(":")[2]), extras={"gymnasium"})
        if ":" in rest:
            _ship_module(rest.partition(":")[0], plan)
        return plan
    if prefix == "verifiers":
        plan = TargetPlan(target=target, name=_slug(rest), extras={"verifiers"})
        _ship_module(rest.replace("-", "_"), plan)
        return plan
    plan = TargetPlan(target=target, name=_slug(rest))
    _ship_module(prefix, plan)
    return plan


def _plan_harbor(path_text: str) -> TargetPlan:
    path = Path(path_text).expanduser().resolve()
    if not path.is_dir():
        raise DockerPackagingError(
            f"harbor target {path_text!r} is not a folder; give a task directory or a folder "
            "of tasks"
        )
    inside = f"tasks/{path.name}"
    return TargetPlan(
        target=f"harbor:{APP_DIR}/{inside}",
        name=_slug(path.name),
        extras={"harbor"},
        copies=[(path, inside)],
        # no Docker engine inside the container: episodes use the bridge's local
        # backend, whose per-command sandboxes are bubblewrap namespaces
        debian_packages=["bubblewrap"],
        default_options={"backend": "local"},
        sandbox_privileges=True,
    )


def _ship_module(module: str, plan: TargetPlan) -> None:
    """Add the top-level package of ``module``: as a wheel if installed, else as source."""
    top = module.split(".")[0]
    if top == "envbridge":
        return
    requirement = _installed_requirement(top)
    if requirement:
        plan.requirements.append(requirement)
        return
    # like 'envbridge serve': modules in the current folder first, then sys.path
    spec = importlib.machinery.PathFinder.find_spec(top, [str(Path.cwd()), *sys.path])
    if spec is None:
        raise DockerPackagingError(
            f"cannot find module {top!r} to put into the image; run from the folder that "
            "contains it or install it (pip install -e ...)"
        )
    source = (
        Path(next(iter(spec.submodule_search_locations)))
        if spec.submodule_search_locations
        else Path(str(spec.origin))
    )
    plan.copies.append((source, f"src/{source.name}"))


def _installed_requirement(top: str) -> str | None:
    """A pip requirement for the distribution providing ``top``, or None if not installed.

    Editable or local-folder installs become the folder path, so the wheel is built
    from source; others pin the installed version.
    """
    distributions = importlib.metadata.packages_distributions().get(top, [])
    for name in distributions:
        dist = importlib.metadata.distribution(name)
        direct_url = dist.read_text("direct_url.json")
        if direct_url:
            url = json.loads(direct_url).get("url", "")
            if url.startswith("file://"):
                return unquote(urlparse(url).path)
        return f"{name}=={dist.version}"
    return None


def _slug(text: str) -> str:
    slug = re.sub(r"[^a-z0-9_-]+", "-", text.lower()).strip("-")
    return slug or "environment"
