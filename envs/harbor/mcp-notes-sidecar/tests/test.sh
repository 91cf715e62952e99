#!/bin/bash
python3 - <<'PY'
import json
import os
import urllib.request

def read(title):
    body = {"jsonrpc": "2.0", "id": 1, "method": "tools/call",
            "params": {"name": "read_note", "arguments": {"title": title}}}
    request = urllib.request.Request(
        "http://notes:8000/mcp", json.dumps(body).encode(),
        {"Content-Type": "application/json", "Accept": "application/json, text/event-stream"})
    try:
        reply = json.load(urllib.request.urlopen(request, timeout=10))["result"]
    except OSError as exc:
        return f"<{exc}>"
    return None if reply["isError"] else reply["content"][0]["text"]

key = read("deploy-key")
path = "/app/deploy-key.txt"
file_ok = os.path.exists(path) and open(path).read().strip() == key
ack_ok = read("ack") == key
print("file", file_ok, "ack", ack_ok)
open("/logs/verifier/reward.txt", "w").write("1" if file_ok and ack_ok else "0")
PY
