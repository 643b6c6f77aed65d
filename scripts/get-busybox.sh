#!/bin/sh
# Makes Debian's busybox-static:i386 available at build/busybox/bin/busybox
# (downloaded with apt-get download and unpacked with dpkg -x, only if it is
# missing) and prints its path. Tests call it to find the busybox they run.
# Usage: BB=$(scripts/get-busybox.sh)
set -e
cd "$(dirname "$0")/.."
OUT=build/busybox
BB=$OUT/bin/busybox
if [ ! -x "$BB" ]; then
	SUDO=""
	[ "$(id -u)" -ne 0 ] && SUDO=sudo
	if ! dpkg --print-foreign-architectures | grep -qx i386; then
		$SUDO dpkg --add-architecture i386
		$SUDO apt-get update -qq >&2 || echo "get-busybox: apt-get update reported errors; trying with the lists it got" >&2
	fi
	tmp=$(mktemp -d)
	if ! (cd "$tmp" && apt-get download -q -o APT::Sandbox::User=root busybox-static:i386 >/dev/null 2>&1); then
		$SUDO apt-get update -qq >&2 || true
		(cd "$tmp" && apt-get download -q -o APT::Sandbox::User=root busybox-static:i386 >/dev/null)
	fi
	dpkg -x "$tmp"/busybox-static_*_i386.deb "$tmp/x"
	mkdir -p "$OUT/bin"
	# Only the binary: the package's *.d directories would trip the
	# Makefile's dependency-file include under build/.
	cp "$tmp/x/bin/busybox" "$BB"
	dpkg-deb -f "$tmp"/busybox-static_*_i386.deb Version >"$OUT/VERSION"
	rm -rf "$tmp"
fi
echo "$PWD/$BB"
