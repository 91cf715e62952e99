#!/bin/bash
cat > /app/settings.py <<'PY'
import yaml


def load(path):
    with open(path) as handle:
        data = yaml.safe_load(handle) or {}
    data.setdefault("host", "127.0.0.1")
    data.setdefault("port", 8000)
    port = data["port"]
    if isinstance(port, bool) or not isinstance(port, int) or not 1 <= port <= 65535:
        raise ValueError(f"port must be an integer in 1..65535, got {port!r}")
    return data
PY
