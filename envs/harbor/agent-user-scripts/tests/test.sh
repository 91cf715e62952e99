#!/bin/bash
# Runs as root: checks that the agent's files exist, work, and are owned by agent.
home=/home/agent
fail() { echo "FAIL: $*"; echo 0 > /logs/verifier/reward.txt; exit 0; }
[ -x "$home/bin/greet" ] || fail "~/bin/greet is missing or not executable"
[ "$(stat -c %U "$home/bin/greet")" = agent ] || fail "~/bin/greet is not owned by agent"
out=$(runuser -u agent -- "$home/bin/greet") || fail "greet failed"
[ "$out" = "hello from agent" ] || fail "greet printed '$out'"
grep -qx 'style=plain' "$home/.config/greet/settings.ini" || fail "settings.ini is wrong"
[ "$(stat -c %U "$home/.config/greet/settings.ini")" = agent ] || fail "settings.ini owner"
[ "$(cat /app/shared/greet.log)" = "hello from agent" ] || fail "greet.log is wrong"
[ "$(stat -c %U /app/shared/greet.log)" = agent ] || fail "greet.log is not owned by agent"
echo "all checks passed"
echo 1 > /logs/verifier/reward.txt
