#!/bin/sh
# Installs the Debian packages named on the command line that are missing
# (default: make, python3, python3-venv: what `make run` and `make test` need
# before they can install the rest themselves). On a bare Debian machine:
#
#     sh bootstrap.sh && make run
#
# As root it runs apt-get directly; otherwise through sudo when there is one,
# else it stops with the command to run as root. apt-get waits for the dpkg
# lock (another apt run, unattended upgrades) instead of failing at once.
set -eu
[ $# -gt 0 ] || set -- make python3 python3-venv
missing=""
for pkg in "$@"; do
  dpkg-query -W -f '${Status}' "$pkg" 2>/dev/null | grep -q ' installed$' || missing="$missing $pkg"
done
[ -n "$missing" ] || exit 0
if [ "$(id -u)" = 0 ]; then
  as_root=""
elif command -v sudo >/dev/null 2>&1; then
  as_root="sudo"
else
  echo "error: missing Debian packages:$missing; as root, run: apt-get install$missing" >&2
  exit 1
fi
echo "installing system packages:$missing"
apt="$as_root env DEBIAN_FRONTEND=noninteractive apt-get -q -y -o DPkg::Lock::Timeout=${APT_LOCK_TIMEOUT:-600}"
# The package lists' lock is not covered by DPkg::Lock::Timeout: retry a busy update.
for try in 1 2 3 4 5 6; do
  $apt update >/dev/null && break
  [ "$try" -lt 6 ] || exit 1
  echo "apt-get update failed (lists locked?); retrying in 10 s" >&2
  sleep 10
done
# shellcheck disable=SC2086  # one word per package
$apt install --no-install-recommends $missing >/dev/null
