"""The oracle/floor runner's own pieces (the runs themselves: test_corpus.py)."""

from __future__ import annotations

import subprocess

from envbridge.bridges.harbor.oracle import TaskScore, score_table, solution_exports
from envbridge.bridges.harbor.task import load_task

from tests.bridges.harbor.test_lint import make_task


def test_solution_env_is_exported_quoted_with_host_defaults(tmp_path):
    toml = '[solution]\nenv = { A = "it\'s ${HOME_X:-/x y}", B = "$NOPE" }\n'
    task = load_task(make_task(tmp_path / "t", toml))
    exports = solution_exports(task, environ={})
    shown = subprocess.run(
        ["bash", "-c", exports + 'printf "%s|%s|%s" "$A" "$B" "$DEBIAN_FRONTEND"'],
        capture_output=True, text=True, check=True,
    )  # fmt: skip
    assert shown.stdout == "it's /x y||noninteractive"


def test_a_score_is_ok_only_for_oracle_one_and_a_lower_floor():
    assert TaskScore("t", "local", oracle=1.0, floor=0.0).ok
    assert not TaskScore("t", "local", oracle=1.0, floor=1.0).ok
    assert not TaskScore("t", "local", oracle=0.5, floor=0.0).ok
    assert not TaskScore("t", "local", oracle=1.0, floor=0.0, error="boom").ok
    table = score_table([TaskScore("t", "docker", 2.25, 1.0, 1.0, 0.0)])
    assert table.splitlines()[-1] == "| t | docker | 2.2 | 1.0 | 1 | 0 |"
