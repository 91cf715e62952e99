"""How envbridge runs an image: what the image may choose, what is always imposed, and the
named needs only the operator can grant.

An image is third-party input. Its ``org.envbridge.run-options`` label may set only
:data:`IMAGE_OPTIONS` (``ports`` are published on 127.0.0.1 only); any other key
(``privileged``, ``volumes``, ``network_mode``, ``cap_add``...) is refused, naming it.
Every container runs with :func:`hardening`: all capabilities dropped,
``no-new-privileges``, a pids limit and memory/CPU limits. An image that needs more
(the harbor image's nested sandboxes) names the need in ``org.envbridge.needs``; it
starts only when the operator grants that need (``--grant NAME``), and the options a need
adds are defined here, never by the image.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

from envbridge.docker.errors import DockerPackagingError

RUN_OPTIONS_LABEL = "org.envbridge.run-options"
"""JSON docker-run options an image asks for; only :data:`IMAGE_OPTIONS` are accepted."""
NEEDS_LABEL = "org.envbridge.needs"
"""Comma-separated names of :data:`NEEDS` an image cannot run without."""
IMAGE_OPTIONS = ("ports", "environment", "healthcheck", "command")
HEALTHCHECK_KEYS = {"test", "interval", "timeout", "retries", "start_period"}

DEFAULT_MEMORY_MB = 4096
DEFAULT_CPUS = 2.0
DEFAULT_PIDS_LIMIT = 4096
"""Limits of a served image's container unless the caller chooses others."""


@dataclass(frozen=True)
class Need:
    """A named privilege an image may need, what it adds to ``docker run``, and why."""

    name: str
    why: str
    options: dict[str, Any]


NEEDS: dict[str, Need] = {}


def add_need(need: Need) -> None:
    NEEDS[need.name] = need


def image_run_options(labels: dict[str, str], image: str) -> dict[str, Any]:
    """The ``docker run`` options ``image``'s label asks for, checked against the allow-list."""
    text = labels.get(RUN_OPTIONS_LABEL)
    if not text:
        return {}
    try:
        asked = json.loads(text)
    except json.JSONDecodeError as exc:
        raise DockerPackagingError(
            f"image {image}: label {RUN_OPTIONS_LABEL} is not JSON ({exc})"
        ) from None
    if not isinstance(asked, dict):
        raise DockerPackagingError(f"image {image}: label {RUN_OPTIONS_LABEL} must be an object")
    refused = sorted(set(asked) - set(IMAGE_OPTIONS))
    if refused:
        names = ", ".join(repr(name) for name in refused)
        raise DockerPackagingError(
            f"image {image} asks for docker run option(s) {names} in its {RUN_OPTIONS_LABEL} "
            f"label; an image may only set {', '.join(IMAGE_OPTIONS)}. Refusing to start it: "
            "rebuild the image without them, or run it with docker yourself if you trust it"
        )
    return {key: _checked(key, value, image) for key, value in asked.items()}


def _checked(key: str, value: Any, image: str) -> Any:
    problem = None
    if key == "environment":
        if not isinstance(value, dict) or not all(
            isinstance(k, str) and isinstance(v, str) for k, v in value.items()
        ):
            problem = "an object of strings"
    elif key == "command":
        if not isinstance(value, list) or not all(isinstance(word, str) for word in value):
            problem = "a list of strings"
    elif key == "healthcheck":
        if not isinstance(value, dict) or not set(value) <= HEALTHCHECK_KEYS:
            problem = f"an object with keys among {sorted(HEALTHCHECK_KEYS)}"
    elif key == "ports":
        if not isinstance(value, list) or not all(isinstance(port, str) for port in value):
            problem = 'a list of container ports like ["9000/tcp"]'
        else:  # published on loopback, on a free host port: never the image's choice
            return {port: ("127.0.0.1", None) for port in value}
    if problem:
        raise DockerPackagingError(
            f"image {image}: run option {key!r} in label {RUN_OPTIONS_LABEL} must be {problem}"
        )
    return value


def needs_of(labels: dict[str, str]) -> list[str]:
    """The named needs an image declares."""
    return [name.strip() for name in labels.get(NEEDS_LABEL, "").split(",") if name.strip()]


def granted_options(image: str, labels: dict[str, str], grants: list[str]) -> dict[str, Any]:
    """The options of the needs ``image`` declares, if the operator granted all of them."""
    for name in grants:
        if name not in NEEDS:
            raise DockerPackagingError(
                f"unknown grant {name!r}; known needs: {', '.join(sorted(NEEDS)) or 'none'}"
            )
    options: dict[str, Any] = {}
    for name in needs_of(labels):
        need = NEEDS.get(name)
        if need is None:
            raise DockerPackagingError(
                f"image {image} declares an unknown need {name!r} ({NEEDS_LABEL} label)"
            )
        if name not in grants:
            raise DockerPackagingError(
                f"image {image} needs {name!r}: {need.why}. It adds {_describe(need.options)} "
                f"to docker run. Start it only if you accept that: envbridge run/check "
                f"--grant {name}, or start_options={{'grants': ['{name}']}} in connect(image=...)"
            )
        for key, value in need.options.items():
            options[key] = [*options.get(key, []), *value] if isinstance(value, list) else value
    return options


def hardening(*, memory_mb: int | None, cpus: float | None, pids_limit: int | None) -> dict:
    """What every container envbridge starts runs with (defaults: see the module)."""
    return {
        "cap_drop": ["ALL"],
        "security_opt": ["no-new-privileges"],
        "pids_limit": pids_limit or DEFAULT_PIDS_LIMIT,
        "mem_limit": f"{memory_mb or DEFAULT_MEMORY_MB}m",
        "nano_cpus": int((cpus or DEFAULT_CPUS) * 1e9),
    }


def _describe(options: dict[str, Any]) -> str:
    return ", ".join(f"{key}={value}" for key, value in options.items())
