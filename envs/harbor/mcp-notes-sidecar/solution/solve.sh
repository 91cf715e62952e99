#!/bin/bash
# The oracle runs in the sandbox, so it speaks MCP (JSON-RPC over HTTP) to the sidecar
# itself; an agent calls notes__read_note and notes__add_note instead.
set -euo pipefail
python3 - <<'PY'
import json
import urllib.request

def call(name, arguments):
    body = {"jsonrpc": "2.0", "id": 1, "method": "tools/call",
            "params": {"name": name, "arguments": arguments}}
    request = urllib.request.Request(
        "http://notes:8000/mcp", json.dumps(body).encode(),
        {"Content-Type": "application/json", "Accept": "application/json, text/event-stream"})
    reply = json.load(urllib.request.urlopen(request, timeout=10))["result"]
    assert not reply["isError"], reply
    return reply["content"][0]["text"]

key = call("read_note", {"title": "deploy-key"})
open("/app/deploy-key.txt", "w").write(key + "\n")
call("add_note", {"title": "ack", "text": key})
PY
