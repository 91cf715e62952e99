"""The conformance kit passes every MUST check against a served harbor task set (local)."""

from __future__ import annotations

from envbridge.conformance import check
from envbridge.conformance.model import Level

from tests.helpers import ROOT, envbridge_cli, serving_process


def test_harbor_task_server_passes_every_must_check():
    argv = lambda port: envbridge_cli(  # noqa: E731
        "serve",
        f"harbor:{ROOT / 'envs' / 'harbor'}",
        "--backend",
        "local",
        "--port",
        str(port),
        "--max-sessions",
        "32",
    )
    with serving_process(argv, cwd=str(ROOT)) as url:
        report = check(
            url,
            quick=True,
            action={"type": "call_tool", "tool_name": "exec", "arguments": {"command": "true"}},
        )
    failed = [(r.id, r.message) for r in report.failed(Level.MUST)]
    assert not failed, failed
