#!/bin/bash
# The agent must have created /app/greeting.txt with the exact greeting.
if [ -f /app/greeting.txt ] && [ "$(cat /app/greeting.txt)" = "Hello, harbor!" ] \
   && [ "$(wc -l < /app/greeting.txt)" -eq 1 ]; then
  echo "greeting found"
  echo 1 > /logs/verifier/reward.txt
else
  echo "greeting missing or wrong"
  echo 0 > /logs/verifier/reward.txt
fi
