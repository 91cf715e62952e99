"""Latency samples per operation, summarised as p50 / p99 (informational only)."""

from __future__ import annotations

from collections import defaultdict


class LatencyRecorder:
    """Collects wall-clock durations (seconds) keyed by operation name."""

    def __init__(self) -> None:
        self.samples: dict[str, list[float]] = defaultdict(list)

    def record(self, op: str, seconds: float) -> None:
        """Add one sample for ``op``."""
        self.samples[op].append(seconds)

    def summary(self) -> dict[str, dict[str, float]]:
        """``{op: {"n", "p50_ms", "p99_ms", "max_ms"}}`` for every recorded op."""
        return {op: summarise(values) for op, values in sorted(self.samples.items()) if values}


def percentile(values: list[float], fraction: float) -> float:
    """Nearest-rank percentile of ``values`` (``fraction`` in 0..1)."""
    ordered = sorted(values)
    rank = max(1, min(len(ordered), round(fraction * len(ordered) + 0.5)))
    return ordered[rank - 1]


def summarise(values: list[float]) -> dict[str, float]:
    """n, p50, p99 and max of ``values`` in milliseconds."""
    return {
        "n": len(values),
        "p50_ms": round(percentile(values, 0.50) * 1000, 3),
        "p99_ms": round(percentile(values, 0.99) * 1000, 3),
        "max_ms": round(max(values) * 1000, 3),
    }
