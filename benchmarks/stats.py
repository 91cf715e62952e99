"""Latency samples to the figures the report shows (stdlib only)."""

from __future__ import annotations

import statistics
from typing import Any


def percentile(sorted_ns: list[int], q: float) -> float:
    """The ``q``-th percentile (0..100) of already sorted samples, nearest-rank."""
    if not sorted_ns:
        return float("nan")
    index = min(len(sorted_ns) - 1, max(0, round(q / 100 * len(sorted_ns)) - 1))
    return float(sorted_ns[index])


def summarise(latencies_ns: list[int], elapsed_s: float, errors: int = 0) -> dict[str, Any]:
    """steps/s over ``elapsed_s``, p50 / p99 / mean latency in microseconds, error count."""
    ordered = sorted(latencies_ns)
    steps = len(ordered)
    return {
        "steps": steps,
        "elapsed_s": round(elapsed_s, 4),
        "steps_per_s": round(steps / elapsed_s, 1) if elapsed_s > 0 else None,
        "p50_us": round(percentile(ordered, 50) / 1000, 2) if steps else None,
        "p99_us": round(percentile(ordered, 99) / 1000, 2) if steps else None,
        "mean_us": round(statistics.fmean(ordered) / 1000, 2) if steps else None,
        "errors": errors,
    }


def overhead_figures(frames_ns: list[int], envs_ns: list[int]) -> dict[str, Any]:
    """p50 of the bare env's steps and the p50 of the per-step differences (frame - env)."""
    differences = sorted(f - e for f, e in zip(frames_ns, envs_ns, strict=True))
    return {
        "env_p50_us": round(percentile(sorted(envs_ns), 50) / 1000, 2),
        "overhead_p50_us": round(percentile(differences, 50) / 1000, 2),
    }


def median_of(runs: list[dict[str, Any]]) -> dict[str, Any]:
    """Combine repetitions: the median of each figure, plus min/max of steps/s."""
    keys = ("steps_per_s", "p50_us", "p99_us", "mean_us", "server_cpu_us", "client_cpu_us",
            "env_p50_us", "overhead_p50_us")  # fmt: skip
    combined: dict[str, Any] = {}
    for key in keys:  # figures no repetition measured are left out
        values = [r[key] for r in runs if r.get(key) is not None]
        if values:
            combined[key] = statistics.median(values)
    rates = [r["steps_per_s"] for r in runs if r.get("steps_per_s") is not None]
    combined["steps_per_s_range"] = [min(rates), max(rates)] if rates else None
    combined["steps_per_s_runs"] = rates  # in repetition order, for paired ratios
    combined["errors"] = sum(r.get("errors", 0) for r in runs)
    combined["steps"] = sum(r.get("steps", 0) for r in runs)
    combined["repetitions"] = len(runs)
    codecs = sorted({r["json"] for r in runs if r.get("json")})
    if codecs:
        combined["json"] = "/".join(codecs)  # the JSON encoder the process ran
    first_error = next((r["first_error"] for r in runs if r.get("first_error")), None)
    if first_error:
        combined["first_error"] = first_error
    return combined
