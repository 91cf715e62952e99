"""Restricted networks: what TB2-style scripts fetch is found, and the network plan
(build network, CA bundle, proxies) reaches builds and sandboxes. The air-gapped run
itself is the corpus task tb2-primes-uvx (tests/bridges/harbor/test_corpus.py)."""

from __future__ import annotations

import pytest
from envbridge.bridges.harbor.airgap import Airgap, requested_pythons, requested_requirements
from envbridge.bridges.harbor.networking import CA_PATH, CA_VARIABLES, NetworkPlan
from envbridge.bridges.harbor.settings import HarborSettings

from tests.bridges.harbor.support import TASKS_DIR

TB2 = (TASKS_DIR / "tb2-primes-uvx" / "tests" / "test.sh").read_text()


def test_tb2_script_needs_python_313_pytest_and_its_plugin():
    airgap = Airgap(TB2)
    assert airgap.pythons == ["3.13"]
    assert airgap.requirements == ["pytest", "pytest-json-ctrf==0.3.5", "pytest==8.4.1"]
    assert airgap.sandbox_env()["UV_PYTHON_DOWNLOADS"] == "never"


@pytest.mark.parametrize(
    ("script", "pythons", "requirements"),
    [
        ("uvx --python=3.12 --with 'numpy==2.1.0' pytest -q", ["3.12"], ["numpy==2.1.0", "pytest"]),
        ("uv run -p3.11 x.py", ["3.11"], []),
        ("pip install -q requests==2.32.3 'rich>=13'\n", [], ["requests==2.32.3", "rich>=13"]),
        ("uvx --from ruff==0.6.0 ruff check .", [], ["ruff==0.6.0"]),
        ("# uvx -p 3.13 --with commented==1 x\necho hi", ["3.13"], []),
        ("uvx -w 'a==1,b==2' pytest ; echo $(ls)", [], ["a==1", "b==2", "pytest"]),
    ],
)
def test_requests_are_read_from_scripts(script, pythons, requirements):
    assert requested_pythons(script) == pythons
    assert requested_requirements(script) == requirements


def test_a_ca_bundle_reaches_every_build_stage_and_the_sandbox(tmp_path):
    bundle = tmp_path / "ca.pem"
    bundle.write_bytes(b"-----BEGIN CERTIFICATE-----\nx\n-----END CERTIFICATE-----\n")
    plan = NetworkPlan.from_settings("host", str(bundle))
    text = plan.dockerfile("FROM a AS one\nRUN pip install x\nFROM b\nRUN true\n")
    assert text.count(f"COPY .envbridge-ca-bundle.crt {CA_PATH}") == 2
    assert text.index("ARG SSL_CERT_FILE") < text.index("RUN pip install x")
    assert plan.build_args()["PIP_CERT"] == CA_PATH
    assert {key: plan.sandbox_env()[key] for key in CA_VARIABLES} == dict.fromkeys(
        CA_VARIABLES, CA_PATH
    )
    assert plan.context_files() == {".envbridge-ca-bundle.crt": bundle.read_bytes()}


def test_proxy_variables_are_passed_through(monkeypatch):
    monkeypatch.setenv("HTTPS_PROXY", "http://proxy.invalid:3128")
    monkeypatch.setenv("no_proxy", "localhost")
    plan = NetworkPlan.from_settings("none", None)
    assert plan.build_args() == {
        "HTTPS_PROXY": "http://proxy.invalid:3128",
        "no_proxy": "localhost",
    }
    assert plan.sandbox_env() == plan.build_args()
    assert plan.dockerfile("FROM a\n") == "FROM a\n"


def test_a_missing_ca_bundle_is_a_clear_settings_error(tmp_path):
    with pytest.raises(ValueError, match="is not a file"):
        HarborSettings(ca_bundle=str(tmp_path / "nope.pem"))
