#!/bin/bash
set -e
sed -i -E 's/^PermitRootLogin .*/PermitRootLogin no/; s/^PasswordAuthentication .*/PasswordAuthentication no/' \
  /etc/ssh/sshd_config
