#!/bin/bash
# The oracle: [solution].env must reach it (and only it).
set -euo pipefail
[ -n "${LEDGER_HINT:-}" ] || { echo "LEDGER_HINT unset: [solution].env did not reach solve.sh" >&2; exit 1; }
python3 - <<'PY'
import csv, os
with open(os.environ["LEDGER_FILE"]) as handle:
    total = sum(int(row["amount"]) for row in csv.DictReader(handle))
with open("total.txt", "w") as out:
    out.write(f"{total}\n")
PY
