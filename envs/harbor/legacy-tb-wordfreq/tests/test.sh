#!/bin/bash
# Migrated from run-tests.sh: the reward is the exit status of the check.
expected=$(python3 - <<'PY'
import collections, re
words = re.findall(r"[a-z]+", open("/app/corpus.txt").read().lower())
top = sorted(collections.Counter(words).items(), key=lambda item: (-item[1], item[0]))[:5]
print("\n".join(f"{word} {count}" for word, count in top))
PY
)
[ -f /app/top5.txt ] && [ "$(cat /app/top5.txt)" = "$expected" ]

if [ $? -eq 0 ]; then
  echo 1 > /logs/verifier/reward.txt
else
  echo 0 > /logs/verifier/reward.txt
fi
