"""PNG plot of latency and aggregate throughput against concurrency (bench venv only).

python -m benchmarks.plot results.json out.png
"""

from __future__ import annotations

import json
import sys
from pathlib import Path


def plot(results: dict, out: Path) -> None:
    """Two panels per transport: p50/p99 latency and steps/s against session count."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    counter = results["workloads"]["counter"]
    kinds = (("ws_load", "WebSocket"), ("http_load", "HTTP"))
    panels = [(key, title) for key, title in kinds if counter.get(key)]
    fig, axes = plt.subplots(2, len(panels), figsize=(6.5 * len(panels), 8), squeeze=False)
    for col, (key, title) in enumerate(panels):
        latency_ax, rate_ax = axes[0][col], axes[1][col]
        for index, (label, by_level) in enumerate(counter[key].items()):
            points = sorted(
                (int(n), r) for n, r in by_level.items() if "error" not in r and r.get("p50_us")
            )
            if not points:
                continue
            xs = [n for n, _ in points]
            color = f"C{index}"
            latency_ax.plot(xs, [r["p50_us"] / 1000 for _, r in points], "o-", color=color,
                            label=f"{label} p50")  # fmt: skip
            latency_ax.plot(xs, [r["p99_us"] / 1000 for _, r in points], "x--", color=color,
                            alpha=0.6, label=f"{label} p99")  # fmt: skip
            rate_ax.plot(xs, [r["steps_per_s"] for _, r in points], "o-", color=color, label=label)
        if key == "ws_load":
            for label, by_level in counter.get("ws_batch", {}).items():
                points = sorted(
                    (int(n), r["steps_per_s"]) for n, r in by_level.items() if "error" not in r
                )
                if points:
                    xs, ys = zip(*points, strict=True)
                    rate_ax.plot(xs, ys, "*", markersize=14, color="k", label=label)
        latency_ax.set(xscale="log", yscale="log", title=f"{title}: step latency",
                       xlabel="concurrent sessions", ylabel="ms")  # fmt: skip
        rate_ax.set(xscale="log", title=f"{title}: aggregate throughput",
                    xlabel="concurrent sessions", ylabel="steps/s")  # fmt: skip
        latency_ax.legend(fontsize=7)
        rate_ax.legend(fontsize=7)
        for ax in (latency_ax, rate_ax):
            ax.grid(True, which="both", alpha=0.3)
    fig.suptitle(f"envbridge vs OpenEnv 0.10.0, counter env ({results['machine']['date']})")
    fig.tight_layout()
    fig.savefig(out, dpi=110)


if __name__ == "__main__":
    plot(json.loads(Path(sys.argv[1]).read_text()), Path(sys.argv[2]))
