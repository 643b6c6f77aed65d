#!/bin/sh
# Installs the Debian packages vmlab needs to build and test, only those missing.
# Usage: scripts/deps.sh [extra-package ...]
set -e
PKGS="gcc-multilib libcmocka-dev clang xz-utils $*"
missing=""
for p in $PKGS; do
	dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing="$missing $p"
done
[ -z "$missing" ] && exit 0
SUDO=""
[ "$(id -u)" -ne 0 ] && SUDO=sudo
echo "vmlab: installing Debian packages:$missing" >&2
$SUDO apt-get update -qq
DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends $missing >/dev/null
