#!/usr/bin/env bash
# Installs the Debian packages envbridge's tests and demo use, when missing.
# bubblewrap: private mount namespaces for the harbor local backend.
# python3-pytest: harbor tasks' tests run pytest on the host userland (local backend).
# debootstrap: builds the offline Docker base image (no registry is reachable here).
# chromium (+ DejaVu fonts): the real browser the /web page tests drive (tests/web).
set -euo pipefail
needed=()
for pkg_cmd in bubblewrap:bwrap debootstrap:debootstrap python3-pytest:pytest-3 chromium:chromium; do
  pkg=${pkg_cmd%%:*}; cmd=${pkg_cmd##*:}
  command -v "$cmd" >/dev/null 2>&1 || needed+=("$pkg")
done
[ -e /usr/share/fonts/truetype/dejavu/DejaVuSans.ttf ] || needed+=(fonts-dejavu-core)
[ ${#needed[@]} -eq 0 ] && exit 0
echo "system-deps: installing ${needed[*]} (apt-get)" >&2
SUDO=""
[ "$(id -u)" -ne 0 ] && SUDO="sudo"
export DEBIAN_FRONTEND=noninteractive
$SUDO apt-get update -qq >/dev/null
$SUDO apt-get install -y -qq --no-install-recommends "${needed[@]}" >/dev/null
