#!/bin/bash
set -euo pipefail
python3 - <<'PY'
import urllib.request
seed = urllib.request.urlopen("http://kv:7000/get?key=seed", timeout=5).read().decode()
open("/app/seed.txt", "w").write(seed + "\n")
urllib.request.urlopen("http://kv:7000/set?key=answer&value=42", timeout=5).read()
PY
