#!/bin/bash
# Runs as root in the workdir with [verifier].env; the agent's file must be the clerk's.
fail() { echo "FAIL: $*"; echo 0 > /logs/verifier/reward.txt; exit 0; }
[ "$PWD" = /srv/ledger ] || fail "test.sh runs in $PWD, not the task's workdir"
[ -n "$LEDGER_EXPECTED" ] || fail "[verifier].env did not reach test.sh"
[ -f total.txt ] || fail "total.txt is missing"
[ "$(stat -c %U total.txt)" = clerk ] || fail "total.txt is not owned by clerk"
[ "$(tr -d '[:space:]' < total.txt)" = "$LEDGER_EXPECTED" ] || fail "wrong total: $(cat total.txt)"
echo "all checks passed"
echo 1 > /logs/verifier/reward.txt
