#!/bin/bash
# The expected answer is recomputed from the log; the agent's answer file must match.
expected=$(awk '$9 == 404 {count[$1]++} END {for (ip in count) print count[ip], ip}' \
  /var/log/nginx/access.log | sort -k1,1nr -k2 | head -n1 | awk '{print $2}')
answer=$(tr -d '[:space:]' < "$ANSWER_FILE" 2>/dev/null)
echo "expected=$expected answer=$answer"
if [ -n "$answer" ] && [ "$answer" = "$expected" ]; then
  echo 1 > /logs/verifier/reward.txt
else
  echo 0 > /logs/verifier/reward.txt
fi
