#!/bin/bash
python3 - <<'PY'
import urllib.request

def get(key):
    try:
        return urllib.request.urlopen(f"http://kv:7000/get?key={key}", timeout=5).read().decode()
    except OSError as exc:
        return f"<{exc}>"

seed_ok = open("/app/seed.txt").read().strip() == get("seed") if __import__("os").path.exists("/app/seed.txt") else False
answer_ok = get("answer") == "42"
print("seed", seed_ok, "answer", answer_ok)
open("/logs/verifier/reward.txt", "w").write("1" if seed_ok and answer_ok else "0")
PY
