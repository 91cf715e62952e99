#!/bin/bash
# Terminal-Bench style oracle: plain bash, nothing installed.
n=2
count=0
: > /app/primes.txt
while [ "$count" -lt 25 ]; do
  prime=1
  for ((d = 2; d * d <= n; d++)); do
    if (( n % d == 0 )); then prime=0; break; fi
  done
  if [ "$prime" -eq 1 ]; then echo "$n" >> /app/primes.txt; count=$((count + 1)); fi
  n=$((n + 1))
done
