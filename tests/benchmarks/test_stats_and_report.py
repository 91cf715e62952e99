"""The benchmark's arithmetic and report: percentiles, repetitions, targets, docs block."""

from __future__ import annotations

import pytest

from benchmarks import loadguard, report
from benchmarks.stats import median_of, percentile, summarise


def test_percentile_is_nearest_rank():
    samples = list(range(1, 101))
    assert percentile(samples, 50) == 50
    assert percentile(samples, 99) == 99
    assert percentile(samples, 100) == 100
    assert percentile([7], 99) == 7


def test_summarise_reports_rate_and_microseconds():
    summary = summarise([1000, 2000, 3000, 4000], elapsed_s=0.5, errors=1)
    assert summary["steps"] == 4
    assert summary["steps_per_s"] == 8.0
    assert summary["p50_us"] == 2.0
    assert summary["p99_us"] == 4.0
    assert summary["mean_us"] == 2.5
    assert summary["errors"] == 1


def test_median_of_repetitions_keeps_range_and_errors():
    runs = [
        {"steps_per_s": 10.0, "p50_us": 3.0, "p99_us": 9.0, "mean_us": 4.0, "steps": 5},
        {"steps_per_s": 30.0, "p50_us": 1.0, "p99_us": 5.0, "mean_us": 2.0, "steps": 5},
        {
            "steps_per_s": 20.0,
            "p50_us": 2.0,
            "p99_us": 7.0,
            "mean_us": 3.0,
            "steps": 5,
            "errors": 2,
        },
    ]
    combined = median_of(runs)
    assert combined["steps_per_s"] == 20.0 and combined["p50_us"] == 2.0
    assert combined["steps_per_s_range"] == [10.0, 30.0]
    assert combined["errors"] == 2 and combined["steps"] == 15 and combined["repetitions"] == 3


def _results(ours_rate: float, ours_p50: float, load_errors: int, packages: int) -> dict:
    load = {
        report.OURS_WS: {"512": {"steps_per_s": 5000.0, "errors": load_errors}},
        report.OFFICIAL_WS: {"512": {"steps_per_s": 1000.0, "errors": 0}},
    }
    return {
        "footprint": {"envbridge": {"packages": packages, "import_s": {"envbridge": 0.1}}},
        "workloads": {
            "counter": {
                "ws": {
                    report.FLOOR_WS: {"steps_per_s": 4000.0, "p50_us": 200.0},
                    report.OFFICIAL_WS: {"steps_per_s": 1000.0, "p50_us": 900.0},
                    report.OURS_WS: {"steps_per_s": ours_rate, "p50_us": ours_p50},
                },
                "ws_load": load,
            }
        },
    }


def test_targets_met_when_the_figures_are_good():
    verdicts = {name: met for name, _, met in report.targets(_results(3000.0, 240.0, 0, 15))}
    assert all(verdicts.values()), verdicts
    assert len(verdicts) == 6


@pytest.mark.parametrize(
    ("args", "failing"),
    [
        ((1500.0, 240.0, 0, 15), "WS single-session steps/s >= 2x official"),
        ((3000.0, 260.0, 0, 15), "WS p50 step time <= 1.25x websockets floor"),
        ((3000.0, 240.0, 3, 15), "512 sessions, zero errors"),
        ((3000.0, 240.0, 0, 21), "core install <= 20 packages"),
    ],
)
def test_each_target_can_fail(args, failing):
    verdicts = {name: met for name, _, met in report.targets(_results(*args))}
    assert verdicts[failing] is False
    assert all(met for name, met in verdicts.items() if name != failing)


def test_markdown_shows_ratios_to_official_and_floor():
    text = report.markdown(_results(3000.0, 240.0, 0, 15))
    ours_line = next(
        line for line in text.splitlines() if line.startswith(f"| {report.OURS_WS} | 3,000")
    )
    assert "3.00\u00d7" in ours_line  # steps/s vs official
    assert "1.20\u00d7" in ours_line  # p50 vs floor
    assert "**5.00\u00d7**" in text  # 512-session aggregate vs official


def test_update_docs_replaces_only_the_marked_block(tmp_path):
    page = tmp_path / "bench.md"
    page.write_text(f"intro\n{report.DOCS_START}\nold table\n{report.DOCS_END}\noutro\n")
    report.update_docs(page, "new table\n")
    assert page.read_text() == (
        f"intro\n{report.DOCS_START}\nnew table\n{report.DOCS_END}\noutro\n"
    )


def test_update_docs_refuses_a_page_without_markers(tmp_path):
    page = tmp_path / "bench.md"
    page.write_text("no markers here\n")
    with pytest.raises(ValueError, match="markers"):
        report.update_docs(page, "table")


def test_a_figure_taken_under_load_gets_no_verdict():
    results = _results(3000.0, 240.0, 0, 15)
    results["machine"] = {"cpus": 2}
    ours = results["workloads"]["counter"]["ws"][report.OURS_WS]
    ours.update(loaded=True, load_before=1.2, load_after=5.5)
    verdicts = {name: (measured, met) for name, measured, met in report.targets(results)}
    measured, met = verdicts["WS single-session steps/s >= 2x official"]
    assert met is None and "load 5.5 > 2 cores" in measured
    assert verdicts["WS p50 step time <= 1.25x websockets floor"][1] is None
    assert verdicts["core install <= 20 packages"][1] is True  # not a timing: still judged
    assert "| not judged |" in report.markdown(results)


def test_guarded_reruns_while_busy_and_records_the_load(monkeypatch):
    loads = iter([9.0, 9.0, 9.0, 9.0, 0.5, 0.5])
    monkeypatch.setattr(loadguard.os, "getloadavg", lambda: (next(loads), 0.0, 0.0))
    monkeypatch.setattr(loadguard, "cores", lambda: 2)
    calls, notes = [], []
    result = loadguard.guarded(
        lambda: calls.append(1) or {"steps_per_s": 1.0}, reruns=2, note=notes.append, pause_s=0
    )
    assert len(calls) == 3 and len(notes) == 2
    assert result["loaded"] is False and result["attempts"] == 3
    assert (result["load_before"], result["load_after"]) == (0.5, 0.5)


def test_guarded_gives_up_after_its_reruns_and_says_the_figure_is_loaded(monkeypatch):
    monkeypatch.setattr(loadguard.os, "getloadavg", lambda: (7.0, 0.0, 0.0))
    monkeypatch.setattr(loadguard, "cores", lambda: 2)
    result = loadguard.guarded(lambda: {"p50_us": 1.0}, reruns=1, pause_s=0)
    assert result["loaded"] is True and result["attempts"] == 2
    combined = loadguard.combine([result, {"loaded": False, "load_before": 1, "load_after": 1}])
    assert combined == {"load_before": 7.0, "load_after": 7.0, "loaded": True}


def _bridge_results(frame_p50: float, env_p50: float, cart_rate: float) -> dict:
    results = _results(3000.0, 240.0, 0, 15)
    results["workloads"]["cartpole"] = {
        "inprocess": {
            report.BRIDGE_FRAME: {"p50_us": frame_p50, "client_cpu_us": frame_p50 + 5},
            report.BRIDGE_ENV: {"p50_us": env_p50, "client_cpu_us": env_p50 + 1},
        },
        "ws": {report.OURS_WS: {"steps_per_s": cart_rate, "p50_us": 300.0}},
    }
    return results


def _bridge_verdicts(results: dict) -> dict:
    return {
        name: (measured, met)
        for name, measured, met in report.targets(results)
        if "CartPole" in name
    }


def test_bridge_targets_judge_overhead_and_ws_share():
    overhead, share = _bridge_verdicts(_bridge_results(20.0, 8.0, 2500.0)).values()
    assert overhead == ("12.0 µs (CPU view 16 µs)", True)
    assert share == ("83%", True)
    overhead, share = _bridge_verdicts(_bridge_results(30.0, 8.0, 2000.0)).values()
    assert overhead[1] is False and share == ("67%", False)


def test_the_interleaved_overhead_is_judged_when_measured():
    results = _bridge_results(40.0, 8.0, 2500.0)  # separate windows: 32 us
    results["workloads"]["cartpole"]["overhead"] = {
        report.BRIDGE_FRAME: {"p50_us": 19.0, "env_p50_us": 6.5, "overhead_p50_us": 12.4},
        report.FAST_FRAME: {"p50_us": 25.0, "env_p50_us": 6.5, "overhead_p50_us": 18.0},
    }
    verdicts = _bridge_verdicts(results)
    core = verdicts[next(name for name in verdicts if "overhead" in name)]
    assert core == ("12.4 µs (interleaved: frame p50 19.0 µs, env.step p50 6.5 µs)", True)
    judged = {name: met for name, _, met in report.targets(results)}
    assert judged["same, envbridge[fast] (orjson)"] is False  # 18.0 > 15
    text = report.markdown(results)
    assert "| envbridge /ws frame, no socket | 19.0 | 6.5 | 12.4 |" in text


def test_the_ws_share_prefers_the_interleaved_counter():
    results = _bridge_results(20.0, 8.0, 1500.0)  # 50% of the counter run minutes apart
    results["workloads"]["cartpole"]["ws_share"] = {
        report.SHARE_COUNTER: {"steps_per_s": 2000.0},
        report.OURS_WS: {"steps_per_s": 1700.0},
    }
    share = _bridge_verdicts(results)["CartPole over /ws >= 80% of the counter's steps/s"]
    assert share == ("85% (interleaved with the counter)", True)
    # with every repetition kept, each is judged against the counter's run beside it
    shared = results["workloads"]["cartpole"]["ws_share"]
    shared[report.SHARE_COUNTER]["steps_per_s_runs"] = [4000.0, 2000.0, 1000.0]
    shared[report.OURS_WS]["steps_per_s_runs"] = [3600.0, 1000.0, 900.0]  # 90%, 50%, 90%
    share = _bridge_verdicts(results)["CartPole over /ws >= 80% of the counter's steps/s"]
    assert share == ("90% (interleaved with the counter, median of 3 paired ratios)", True)
    assert "against the counter (repetitions interleaved)" in report.markdown(results)


def test_bridge_targets_are_not_judged_under_load_or_without_cartpole():
    results = _bridge_results(20.0, 8.0, 2500.0)
    frame = results["workloads"]["cartpole"]["inprocess"][report.BRIDGE_FRAME]
    frame.update(loaded=True, load_before=3.0, load_after=7.5)
    overhead, share = _bridge_verdicts(results).values()
    assert overhead[1] is None and "load 7.5 > 1 cores" in overhead[0]
    assert share[1] is True
    assert _bridge_verdicts(_results(3000.0, 240.0, 0, 15)) == {}
