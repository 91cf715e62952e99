#!/bin/bash
# Start the agent's service, wait until it answers, probe it, stop it.
fail() { echo "FAIL: $*"; echo 0 > /logs/verifier/reward.txt; kill "$pid" 2>/dev/null; exit 0; }
[ -f /srv/app/server.py ] || { echo "FAIL: no server.py"; echo 0 > /logs/verifier/reward.txt; exit 0; }
PORT=$SERVICE_PORT python3 /srv/app/server.py > /tmp/server.log 2>&1 &
pid=$!
get() { python3 -c "import sys, urllib.request; print(urllib.request.urlopen(sys.argv[1], timeout=2).read().decode())" "http://127.0.0.1:$SERVICE_PORT$1"; }
for _ in $(seq 50); do get /healthz > /dev/null 2>&1 && break; sleep 0.2; done
[ "$(get /healthz)" = ok ] || fail "/healthz did not answer ok: $(cat /tmp/server.log)"
[ "$(get '/sum?a=20&b=22')" = '{"sum": 42}' ] || fail "/sum answered $(get '/sum?a=20&b=22')"
kill "$pid"
echo "all checks passed"
echo 1 > /logs/verifier/reward.txt
