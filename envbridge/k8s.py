"""``envbridge k8s manifest IMAGE``: a Deployment and a Service for an envbridge image.

No cluster is needed to write one: the manifest follows from the image contract that
``envbridge build`` gives every image (port 8000, ``/health``, a non-root user). Each
pod is one envbridge server; readiness and liveness come from ``/health``; a WebSocket
is one TCP connection, so kube-proxy keeps each session on the pod that opened it (HTTP
sessions stick by client address through the Service's ``sessionAffinity``). The mode,
target and session limit are the image's own (``envbridge build --mode ...``).
"""

from __future__ import annotations

import argparse
import json
import re
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import Any

CONTAINER_PORT = 8000
NAME_RULE = re.compile(r"^[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?$")
"""A DNS-1123 label: what Kubernetes accepts as a Deployment or Service name."""


def default_name(image: str) -> str:
    """A Kubernetes name from an image reference (``envbridge/cartpole:1`` -> ``cartpole``)."""
    last = image.rsplit("/", 1)[-1].split("@", 1)[0].split(":", 1)[0]
    name = re.sub(r"[^a-z0-9-]+", "-", last.lower()).strip("-")[:63].strip("-")
    return name or "envbridge-env"


def manifest(
    image: str,
    *,
    name: str | None = None,
    replicas: int = 1,
    cpu: str = "500m",
    memory: str = "512Mi",
    capabilities: Sequence[str] = (),
) -> list[dict[str, Any]]:
    """The Deployment and Service (as dicts) serving ``image`` on port 8000."""
    name = name or default_name(image)
    if not NAME_RULE.match(name):
        raise ValueError(
            f"{name!r} is not a valid Kubernetes name (lowercase letters, digits and '-', "
            "at most 63, starting and ending with a letter or digit); pass --name"
        )
    if replicas < 0:
        raise ValueError(f"replicas must be 0 or more, got {replicas}")
    labels = {"app.kubernetes.io/name": name, "app.kubernetes.io/part-of": "envbridge"}
    probe = {"httpGet": {"path": "/health", "port": "http"}}
    security: dict[str, Any] = {
        "allowPrivilegeEscalation": False,
        "capabilities": {"drop": ["ALL"], **({"add": list(capabilities)} if capabilities else {})},
    }
    container: dict[str, Any] = {
        "name": "env",
        "image": image,
        "imagePullPolicy": "IfNotPresent",
        "ports": [{"name": "http", "containerPort": CONTAINER_PORT, "protocol": "TCP"}],
        "readinessProbe": {**probe, "periodSeconds": 5, "failureThreshold": 2},
        "livenessProbe": {**probe, "periodSeconds": 10, "failureThreshold": 6},
        "startupProbe": {**probe, "periodSeconds": 2, "failureThreshold": 60},
        "resources": {
            "requests": {"cpu": cpu, "memory": memory},
            "limits": {"memory": memory},
        },
        "securityContext": security,
    }
    deployment = {
        "apiVersion": "apps/v1",
        "kind": "Deployment",
        "metadata": {"name": name, "labels": labels},
        "spec": {
            "replicas": replicas,
            "selector": {"matchLabels": {"app.kubernetes.io/name": name}},
            "template": {
                "metadata": {"labels": labels},
                "spec": {
                    "containers": [container],
                    "terminationGracePeriodSeconds": 15,
                    "securityContext": {"seccompProfile": {"type": "RuntimeDefault"}},
                },
            },
        },
    }
    service = {
        "apiVersion": "v1",
        "kind": "Service",
        "metadata": {"name": name, "labels": labels},
        "spec": {
            "selector": {"app.kubernetes.io/name": name},
            "ports": [{"name": "http", "port": CONTAINER_PORT, "targetPort": "http"}],
            "sessionAffinity": "ClientIP",
        },
    }
    return [deployment, service]


def to_yaml(documents: Sequence[dict[str, Any]]) -> str:
    """YAML documents (block style; every string JSON-quoted, which YAML reads as is)."""
    return "---\n".join(_block(doc, 0) for doc in documents)


def _block(value: Any, indent: int) -> str:
    pad = " " * indent
    if isinstance(value, dict):
        lines = []
        for key, item in value.items():
            if _is_scalar(item) or not item:
                lines.append(f"{pad}{key}: {_scalar(item)}\n")
            else:
                lines.append(f"{pad}{key}:\n{_block(item, indent + 2)}")
        return "".join(lines)
    lines = []
    for item in value:
        if _is_scalar(item) or not item:
            lines.append(f"{pad}- {_scalar(item)}\n")
        else:  # "- " then the mapping's first line, the rest indented under it
            nested = _block(item, indent + 2)
            lines.append(f"{pad}- {nested[indent + 2 :]}")
    return "".join(lines)


def _is_scalar(value: Any) -> bool:
    return not isinstance(value, dict | list)


def _scalar(value: Any) -> str:
    if isinstance(value, dict | list):  # empty
        return "{}" if isinstance(value, dict) else "[]"
    return json.dumps(value)


def _image_capabilities(image: str) -> tuple[list[str], str]:
    """Capabilities the needs an image declares (``org.envbridge.needs``) add, and a note
    on how we know. An image's own run options never add any (docs/security.md)."""
    try:
        import docker

        from envbridge.docker.container import image_run_options
        from envbridge.docker.run_options import NEEDS, needs_of

        client = docker.from_env()
        client.ping()
        image_run_options(client, image)  # refuses images asking for forbidden options
        needs = needs_of(client.images.get(image).labels or {})
    except Exception as exc:  # no engine, no docker-py, image not built here
        return [], f"image not inspected ({type(exc).__name__}): no capabilities added"
    capabilities = [cap for name in needs for cap in NEEDS[name].options.get("cap_add", [])]
    note = "image inspected in the local Docker engine"
    if needs:
        note += (
            f"; it needs {', '.join(needs)}, whose seccomp profile "
            "(envbridge.docker.nested_sandbox) must be installed as a Localhost profile"
        )
    return capabilities, note


def main(argv: Sequence[str] | None = None) -> int:
    """``envbridge k8s manifest IMAGE``."""
    parser = argparse.ArgumentParser(
        prog="envbridge k8s",
        description="Kubernetes manifests for envbridge images (no cluster needed). "
        "`manifest IMAGE` prints a Deployment and a Service: apply with kubectl apply -f -.",
    )
    parser.add_argument("action", choices=["manifest"], help="manifest: Deployment + Service")
    parser.add_argument("image", help="an image built by `envbridge build` (pushed to a registry)")
    parser.add_argument("--name", help="Deployment/Service name (default: from the image)")
    parser.add_argument("--replicas", type=int, default=1, help="pods, one server each (1)")
    parser.add_argument("--cpu", default="500m", help="CPU request per pod (500m)")
    parser.add_argument("--memory", default="512Mi", help="memory request and limit (512Mi)")
    parser.add_argument(
        "--no-inspect",
        action="store_true",
        help="do not read the image's run options from the local Docker engine",
    )
    parser.add_argument("-o", "--output", type=Path, help="write to FILE instead of stdout")
    args = parser.parse_args(argv)
    capabilities, note = ([], "not inspected (--no-inspect)")
    if not args.no_inspect:
        capabilities, note = _image_capabilities(args.image)
    try:
        documents = manifest(
            args.image, name=args.name, replicas=args.replicas, cpu=args.cpu,
            memory=args.memory, capabilities=capabilities,
        )  # fmt: skip
    except ValueError as exc:
        print(f"envbridge k8s: {exc}", file=sys.stderr)
        return 2
    text = f"# envbridge k8s manifest {args.image} ({note})\n" + to_yaml(documents)
    if args.output:
        args.output.write_text(text)
        print(f"wrote {args.output}", file=sys.stderr)
    else:
        sys.stdout.write(text)
    return 0
