#!/bin/bash
set -euo pipefail
python3 - <<'PY'
import json
values = [float(line) for line in open("/data/measurements.txt") if line.strip()]
json.dump({"count": len(values), "mean": sum(values) / len(values), "max": max(values)},
          open("/data/stats.json", "w"))
PY
