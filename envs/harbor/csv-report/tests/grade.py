"""Grade report.json against the CSV: one point per correct key, partial credit."""

import csv
import json
import sys
from collections import Counter, defaultdict

csv_path, report_path, reward_path = sys.argv[1:4]
with open(csv_path, newline="") as handle:
    rows = list(csv.DictReader(handle))
by_region = defaultdict(float)
units = Counter()
for row in rows:
    by_region[row["region"]] += int(row["units"]) * float(row["unit_price"])
    units[row["product"]] += int(row["units"])
expected = {
    "total_revenue": round(sum(by_region.values()), 2),
    "revenue_by_region": {region: round(value, 2) for region, value in by_region.items()},
    "top_product": units.most_common(1)[0][0],
    "row_count": len(rows),
    "currency": "EUR",
}
try:
    with open(report_path) as handle:
        report = json.load(handle)
except (OSError, ValueError) as exc:
    print(f"no usable report: {exc}")
    report = {}
if not isinstance(report, dict):
    report = {}


def close(a, b):
    if isinstance(a, dict) and isinstance(b, dict):
        return a.keys() == b.keys() and all(close(a[k], b[k]) for k in a)
    if isinstance(a, (int, float)) and isinstance(b, (int, float)):
        return abs(a - b) < 0.005
    return a == b


results = {key: close(report.get(key), value) for key, value in expected.items()}
for key, ok in results.items():
    print(f"{'PASS' if ok else 'FAIL'} {key}")
passed = sum(results.values())
with open(reward_path, "w") as handle:
    json.dump(
        {"reward": passed / len(results), "checks_passed": passed, "checks_total": len(results)},
        handle,
    )
