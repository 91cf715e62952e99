#!/bin/bash
cat > /tmp/report.py <<'PY'
import csv, json, os
from collections import Counter, defaultdict
by_region, units = defaultdict(float), Counter()
with open("/app/data/sales.csv", newline="") as handle:
    rows = list(csv.DictReader(handle))
for row in rows:
    by_region[row["region"]] += int(row["units"]) * float(row["unit_price"])
    units[row["product"]] += int(row["units"])
report = {
    "total_revenue": round(sum(by_region.values()), 2),
    "revenue_by_region": {k: round(v, 2) for k, v in by_region.items()},
    "top_product": units.most_common(1)[0][0],
    "row_count": len(rows),
    "currency": os.environ["REPORT_CURRENCY"],
}
with open("/app/report.json", "w") as handle:
    json.dump(report, handle, indent=2)
PY
python3 /tmp/report.py
