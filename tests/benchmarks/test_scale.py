"""The many-sessions benchmark: one real server, sessions from separate client processes."""

from __future__ import annotations

from benchmarks import report, scale


def test_a_small_scale_run_steps_every_session_and_reads_memory():
    # 48 x 25 steps: enough server CPU (~0.2 s) that /proc's 10 ms clock ticks see it
    result = scale.measure(sessions=48, clients=2, steps=25)
    assert result["opened"] == 48 and result["stepped_ok"] == 48
    assert result["success"] == 1 and result["errors"] == 0
    assert result["server_rss_open_mb"] >= result["server_rss_idle_mb"] > 0
    assert result["server_cpu_us_per_step"] > 0


def test_the_scale_target_fails_unless_every_session_stepped():
    good = {"sessions": 4, "stepped_ok": 4, "success": 1.0, "memory_per_session_kb": 20}
    bad = {**good, "stepped_ok": 3, "success": 0.75}
    for results, met in (({"scale": good}, True), ({"scale": bad}, False)):
        (row,) = [t for t in report.targets(results) if "sessions on one server" in t[0]]
        assert row[2] is met, row
