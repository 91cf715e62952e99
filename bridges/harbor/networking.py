"""Builds and verifiers on restricted networks: the host's network, CA bundle and proxies.

Clusters often reach only a package mirror or a re-signing HTTPS proxy. With
``build_network`` the docker build runs on that network (``host`` here); ``ca_bundle``
is trusted by every build step (build arguments, so nothing persists) and, inside the
sandbox, by every command (``SSL_CERT_FILE``, ``PIP_CERT``, ``REQUESTS_CA_BUNDLE``,
``CURL_CA_BUNDLE``, ``NODE_EXTRA_CA_CERTS``); the host's proxy variables are passed to
both.
"""

from __future__ import annotations

import os
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

CA_PATH = "/usr/local/share/envbridge/ca-bundle.crt"
"""Where the CA bundle lives inside builds and sandboxes."""
CA_CONTEXT_NAME = ".envbridge-ca-bundle.crt"
CA_VARIABLES = (
    "SSL_CERT_FILE", "PIP_CERT", "REQUESTS_CA_BUNDLE", "CURL_CA_BUNDLE", "NODE_EXTRA_CA_CERTS",
    "GIT_SSL_CAINFO",
)  # fmt: skip
PROXY_VARIABLES = (
    "HTTP_PROXY", "HTTPS_PROXY", "NO_PROXY", "ALL_PROXY",
    "http_proxy", "https_proxy", "no_proxy", "all_proxy",
)  # fmt: skip
_FROM_LINE = re.compile(r"^\s*FROM\s", re.IGNORECASE)


@dataclass(frozen=True, slots=True)
class NetworkPlan:
    """How builds and sandboxes reach the network."""

    build_network: str = "none"
    """Docker build network: ``none`` (default), ``host`` or ``bridge``."""
    ca_bundle: bytes | None = None
    proxies: dict[str, str] = field(default_factory=dict)
    airgap: Any = None
    """An ``airgap.Airgap`` layer to add on top of the task's image (docker), or None."""

    @classmethod
    def from_settings(cls, build_network: str, ca_bundle: str | None) -> NetworkPlan:
        data = Path(ca_bundle).read_bytes() if ca_bundle else None
        proxies = {key: os.environ[key] for key in PROXY_VARIABLES if os.environ.get(key)}
        return cls(build_network, data, proxies)

    def build_args(self) -> dict[str, str]:
        """Build arguments: proxies (docker predefines them) and the CA variables."""
        args = dict(self.proxies)
        if self.ca_bundle is not None:
            args.update(dict.fromkeys(CA_VARIABLES, CA_PATH))
        return args

    def dockerfile(self, text: str) -> str:
        """``text`` with the CA bundle copied in and declared (as ARGs) after every FROM."""
        if self.ca_bundle is None:
            return text
        lines = []
        for line in text.splitlines():
            lines.append(line)
            if _FROM_LINE.match(line):
                lines.append(f"COPY {CA_CONTEXT_NAME} {CA_PATH}")
                lines.append("ARG " + " ".join(CA_VARIABLES))
        return "\n".join(lines) + "\n"

    def context_files(self) -> dict[str, bytes]:
        return {CA_CONTEXT_NAME: self.ca_bundle} if self.ca_bundle is not None else {}

    def sandbox_env(self) -> dict[str, str]:
        """Variables every command in the sandbox gets (when it has a network)."""
        env = dict(self.proxies)
        if self.ca_bundle is not None:
            env.update(dict.fromkeys(CA_VARIABLES, CA_PATH))
        if self.airgap is not None:
            env.update(self.airgap.sandbox_env())
        return env


def network_plan(settings: Any, task: Any) -> NetworkPlan:
    """The plan for one episode of ``task`` under the serve ``settings``."""
    plan = NetworkPlan.from_settings(settings.build_network, settings.ca_bundle)
    if settings.airgap:
        from envbridge.bridges.harbor.airgap import Airgap
        from envbridge.bridges.harbor.downloads import verifier_downloads

        if verifier_downloads(task)[0]:  # only tasks whose test.sh fetches uv/pip packages
            script = task.test_script.read_text(encoding="utf-8", errors="replace")
            plan = NetworkPlan(plan.build_network, plan.ca_bundle, plan.proxies, Airgap(script))
    return plan
