"""``envbridge check``: exit codes, live progress, JSON and JUnit files, time budgets."""

from __future__ import annotations

import argparse
import json
import time
import xml.etree.ElementTree as ET

import pytest
from envbridge.conformance import catalogue
from envbridge.conformance.broken import by_target
from envbridge.conformance.cli import EXIT_FAILED, EXIT_PASSED, EXIT_USAGE, add_subcommand, main

from tests.helpers import free_port, serving_app


def test_healthy_server_exits_0_and_writes_both_reports(healthy_url, tmp_path, capsys):
    json_file, junit_file = tmp_path / "report.json", tmp_path / "report.xml"
    started = time.monotonic()
    code = main([healthy_url, "--json", str(json_file), "--junit", str(junit_file)])
    elapsed = time.monotonic() - started
    assert code == EXIT_PASSED
    assert elapsed < 60, f"a default run took {elapsed:.1f} s"
    out = capsys.readouterr().out
    assert out.count("  PASS  ") >= 30, "one progress line per passing check"
    assert "PASSED: every MUST check passed" in out
    assert "p50 ms" in out and "  ws step " in out and "  http GET /health " in out
    report = json.loads(json_file.read_text())
    assert report["passed"] is True and report["dialect"] == "openenv-0.10.x"
    assert [r["id"] for r in report["results"]] == [s.id for s in catalogue()]
    suite = ET.fromstring(junit_file.read_text())
    assert suite.get("failures") == "0"
    assert len(suite.findall("testcase")) == len(catalogue())


def test_quick_run_is_fast_and_a_subset(healthy_url, tmp_path):
    json_file = tmp_path / "quick.json"
    started = time.monotonic()
    assert main([healthy_url, "--quick", "--quiet", "--json", str(json_file)]) == EXIT_PASSED
    elapsed = time.monotonic() - started
    assert elapsed < 10, f"--quick took {elapsed:.1f} s"
    ran = {r["id"] for r in json.loads(json_file.read_text())["results"]}
    assert ran == {s.id for s in catalogue() if s.quick}
    assert len(ran) < len(catalogue())


def test_a_failed_must_exits_1_and_says_what_was_sent(tmp_path, capsys):
    junit_file = tmp_path / "report.xml"
    with serving_app(by_target("http.health").build()) as url:
        code = main([url, "--only", "http", "--quiet", "--junit", str(junit_file)])
    assert code == EXIT_FAILED
    out = capsys.readouterr().out
    assert "MUST   http.health: /health must say" in out
    assert "sent:     GET /health" in out and '"status": "ok"' in out
    failures = ET.fromstring(junit_file.read_text()).findall("testcase/failure")
    assert [f.get("message") for f in failures] == ['/health must say {"status": "healthy"}']


def test_a_failed_should_still_exits_0(tmp_path):
    with serving_app(by_target("ws.episode_id").build()) as url:
        json_file = tmp_path / "r.json"
        assert main([url, "--only", "ws", "--quiet", "--json", str(json_file)]) == EXIT_PASSED
    report = json.loads(json_file.read_text())
    assert report["counts"]["fail"] == 1


def test_unreachable_server_exits_2(capsys):
    assert main([f"http://127.0.0.1:{free_port()}", "--quiet"]) == EXIT_USAGE
    assert "cannot reach" in capsys.readouterr().err


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (["--only", "nonsense"], "unknown area or check nonsense"),
        (["--action", "[1, 2]"], "must be a JSON object"),
        (["--mode", "staging"], "invalid choice"),
    ],
)
def test_bad_arguments_exit_2(healthy_url, capsys, argv, message):
    assert main([healthy_url, "--quiet", *argv]) == EXIT_USAGE
    assert message in capsys.readouterr().err


def test_no_url_exits_2(capsys):
    assert main([]) == EXIT_USAGE
    assert "url" in capsys.readouterr().err


def test_mounts_as_the_check_subcommand(healthy_url, capsys):
    parser = argparse.ArgumentParser(prog="envbridge")
    add_subcommand(parser.add_subparsers(dest="command"))
    args = parser.parse_args(["check", healthy_url, "--quick", "--quiet", "--only", "http"])
    assert args.func(args) == EXIT_PASSED
    assert "PASSED" in capsys.readouterr().out


def test_sessions_bounds_the_capacity_probe(healthy_url, tmp_path):
    json_file = tmp_path / "r.json"
    argv = [healthy_url, "--only", "capacity", "--sessions", "2", "--quiet", "--json"]
    assert main([*argv, str(json_file)]) == EXIT_PASSED
    results = {r["id"]: r for r in json.loads(json_file.read_text())["results"]}
    assert results["capacity.over_limit"]["details"]["session_limit"] == "> 2"
    assert results["capacity.release"]["details"]["sessions"] == 2
