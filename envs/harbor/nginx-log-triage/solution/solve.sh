#!/bin/bash
awk '$9 == 404 {print $1}' /var/log/nginx/access.log | sort | uniq -c | sort -k1,1nr \
  | head -n1 | awk '{print $2}' > /srv/triage/answer.txt
