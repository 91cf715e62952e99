"""The /web hot-path benchmark runs end to end (tiny sizes; no timing is asserted)."""

from __future__ import annotations

import json

from benchmarks import web_page


def test_a_tiny_run_reports_both_servers_and_the_page(capsys):
    assert web_page.main(["--steps", "20", "--reps", "1"]) == 0
    result = json.loads(capsys.readouterr().out.strip().splitlines()[-1])
    assert set(result["step_p50_us"]) == {"with-web", "without-web"}
    assert all(value > 0 for value in result["step_p50_us"].values())
    assert result["web"]["page_bytes"] > 10_000 and len(result["load_average"]) == 3
