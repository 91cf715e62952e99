#!/bin/bash
conf=/etc/ssh/sshd_config
fail() { echo "FAIL: $*"; echo 0 > /logs/verifier/reward.txt; exit 0; }
[ "$(grep -c '^PermitRootLogin ' $conf)" = 1 ] || fail "PermitRootLogin must appear once"
[ "$(grep -c '^PasswordAuthentication ' $conf)" = 1 ] || fail "PasswordAuthentication must appear once"
grep -qx 'PermitRootLogin no' $conf || fail "root login still allowed"
grep -qx 'PasswordAuthentication no' $conf || fail "password logins still allowed"
for kept in 'Port 22' 'PubkeyAuthentication yes' 'X11Forwarding yes' 'UsePAM yes'; do
  grep -qx "$kept" $conf || fail "lost: $kept"
done
echo "all checks passed"
echo 1 > /logs/verifier/reward.txt
