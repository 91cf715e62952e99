#!/bin/bash
tr -cs 'A-Za-z' '\n' < /app/corpus.txt | tr 'A-Z' 'a-z' | grep -v '^$' \
  | sort | uniq -c | sort -k1,1nr -k2,2 | head -5 | awk '{print $2, $1}' > /app/top5.txt
