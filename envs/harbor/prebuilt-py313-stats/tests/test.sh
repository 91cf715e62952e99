#!/bin/bash
# Partial credit through reward.json: one point per correct statistic.
python3 - <<'PY'
import json, math
values = [float(line) for line in open("/data/measurements.txt") if line.strip()]
expected = {"count": len(values), "mean": sum(values) / len(values), "max": max(values)}
try:
    got = json.load(open("/data/stats.json"))
except (OSError, ValueError) as exc:
    print("no stats:", exc)
    got = {}
passed = 0
for key, want in expected.items():
    ok = isinstance(got.get(key), (int, float)) and math.isclose(got[key], want, rel_tol=1e-6)
    print("PASS" if ok else "FAIL", key)
    passed += ok
json.dump({"reward": passed / len(expected), "passed": passed},
          open("/logs/verifier/reward.json", "w"))
PY
