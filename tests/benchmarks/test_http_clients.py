"""The HTTP client benchmark runs end to end against a real server and stops by itself."""

from __future__ import annotations

import json

import pytest

from benchmarks import http_clients


def test_every_client_steps_without_errors_and_reports_its_cpu(capsys):
    argv = ["--levels", "1,3", "--seconds", "0.3", "--json"]
    assert http_clients.main(argv) == 0
    results = json.loads(capsys.readouterr().out)
    kinds = {(r["client"], r["sessions"]) for r in results}
    assert ("httpx", 3) in kinds and ("http.client", 1) in kinds
    assert ("http.client", 3) not in kinds  # sync clients: one session only
    for r in results:
        assert r["errors"] == 0 and r["steps"] > 0, r
        assert r["client_cpu_us"] > 0 and r["server_cpu_us"] > 0


def test_an_unknown_client_is_refused():
    with pytest.raises(SystemExit):
        http_clients.main(["--clients", "curl"])
