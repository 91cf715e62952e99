"""``pytest --envbridge-url URL``: one item per check; inert without the option.

Runs pytest in a subprocess so the plugin is loaded the way users get it: through the
``pytest11`` entry point of the installed package.
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

from envbridge.conformance import catalogue
from envbridge.conformance.broken import by_target

from tests.helpers import serving_app


def _pytest(directory: Path, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "pytest", "-p", "no:cacheprovider", "-q", "-rfxs", *args],
        cwd=directory,
        capture_output=True,
        text=True,
        timeout=120,
    )


def test_every_quick_check_becomes_a_passing_item(healthy_url, tmp_path):
    result = _pytest(tmp_path, "--envbridge-url", healthy_url, "--envbridge-quick")
    quick = sum(spec.quick for spec in catalogue())
    assert result.returncode == 0, result.stdout
    assert f"{quick - 1} passed, 1 skipped" in result.stdout  # modes.production_http
    assert "simulation mode (pass --mode production" in result.stdout


def test_a_failed_must_fails_its_item_with_the_evidence(tmp_path):
    with serving_app(by_target("http.health").build()) as url:
        result = _pytest(tmp_path, "--envbridge-url", url, "--envbridge-only", "http")
    assert result.returncode == 1
    assert "FAILED envbridge-conformance::http.health" in result.stdout
    assert "MUST http.health failed: /health must say" in result.stdout
    assert "5 passed" in result.stdout


def test_a_failed_should_is_an_expected_failure(tmp_path):
    with serving_app(by_target("ws.episode_id").build()) as url:
        result = _pytest(tmp_path, "--envbridge-url", url, "--envbridge-only", "ws.episode_id")
    assert result.returncode == 0, result.stdout
    assert "1 xfailed" in result.stdout
    assert "SHOULD check failed" in result.stdout


def test_plugin_is_inert_without_the_option(tmp_path):
    (tmp_path / "test_plain.py").write_text("def test_plain():\n    assert 1 + 1 == 2\n")
    result = _pytest(tmp_path)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "1 passed" in result.stdout
    assert "envbridge-conformance" not in result.stdout


def test_unknown_area_is_a_usage_error(healthy_url, tmp_path):
    result = _pytest(tmp_path, "--envbridge-url", healthy_url, "--envbridge-only", "nope")
    assert result.returncode == 4
    assert "unknown area or check nope" in result.stderr
