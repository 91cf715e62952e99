"""A served harbor task set (local backend) passes every MUST and SHOULD check, and the kit
finds an accepted action by itself (a call_tool action built from the advertised tools)."""

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
        report = check(url, latency_samples=5)
    failed = [(r.id, r.message) for r in report.failed() if r.level is not Level.MAY]
    assert not failed, failed
    assert report.result("ws.step").details["action"]["tool_name"] in {
        "exec",
        "write_file",
        "read_file",
        "submit",
    }
