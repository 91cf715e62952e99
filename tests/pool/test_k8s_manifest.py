"""``envbridge k8s manifest``: valid against Kubernetes' own schemas, offline."""

from __future__ import annotations

import subprocess
import sys

import pytest
import yaml

from envbridge.k8s import default_name, manifest, to_yaml

kubernetes_validate = pytest.importorskip("kubernetes_validate")
K8S_VERSION = "1.30.0"


def _cli(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "envbridge", "k8s", *args],
        capture_output=True, text=True, timeout=60,
    )  # fmt: skip


def test_the_printed_manifest_is_a_valid_deployment_and_service():
    image = "registry.example/envbridge/cartpole:1"
    run = _cli("manifest", image, "--replicas", "3", "--no-inspect")
    assert run.returncode == 0, run.stderr
    documents = list(yaml.safe_load_all(run.stdout))
    assert [d["kind"] for d in documents] == ["Deployment", "Service"]
    for document in documents:
        kubernetes_validate.validate(document, K8S_VERSION, strict=True)
    deployment, service = documents
    pod = deployment["spec"]["template"]["spec"]
    container = pod["containers"][0]
    assert deployment["spec"]["replicas"] == 3
    assert container["readinessProbe"]["httpGet"]["path"] == "/health"
    assert container["securityContext"]["capabilities"]["drop"] == ["ALL"]
    assert service["spec"]["selector"] == deployment["spec"]["selector"]["matchLabels"]
    assert service["spec"]["ports"][0]["port"] == container["ports"][0]["containerPort"] == 8000


def test_a_schema_violation_is_caught_by_the_validator():
    """The check can fail: a manifest with a wrong field type is refused."""
    deployment, _ = manifest("counter:1")
    deployment["spec"]["replicas"] = "three"
    with pytest.raises(kubernetes_validate.ValidationError):
        kubernetes_validate.validate(deployment, K8S_VERSION, strict=True)


def test_yaml_round_trips_every_value():
    documents = manifest("envbridge/counter:latest", capabilities=["SYS_ADMIN"])
    assert list(yaml.safe_load_all(to_yaml(documents))) == documents


def test_names_follow_kubernetes_rules():
    assert default_name("registry.example:5000/team/Cart_Pole:v1") == "cart-pole"
    run = _cli("manifest", "counter:1", "--name", "Not_Valid", "--no-inspect")
    assert run.returncode == 2
    assert "not a valid Kubernetes name" in run.stderr
