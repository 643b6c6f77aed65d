#!/bin/bash
# Records the expected output of every busybox case in tests/busybox/cases.txt
# by running Debian's busybox-static:i386 natively (this x86-64 host runs i386
# static binaries) under `setarch i686 -R` (32-bit personality: uname -m says
# i686; no address-space randomisation), into tests/busybox/expected/NAME.out:
# stdout, then "exit=N".
# Then (unless --native-only) boots the real i386 kernel and runs the same
# cases there with the same busybox, to check that they print the same on a
# real i386 kernel (differences are reported and fail the script), and records
# the host-dependent applets (free, uname -a, df-less ones) as reference output
# in tests/busybox/i386-reference/.
# Usage: scripts/record-busybox-golden.sh [--native-only]
set -euo pipefail
ROOT=$(cd "$(dirname "$0")/.." && pwd)
BUSYBOX=$("$ROOT/scripts/get-busybox.sh")
cd "$ROOT/tests/busybox"
mkdir -p expected
rm -f expected/*.out
status=0

# run_cases BB OUTDIR: runs every case with $BB as the applet runner.
run_cases() {
	local bb=$1 outdir=$2 name stdin cmd in tmp
	while IFS=$'\t' read -r name stdin cmd; do
		case $name in '' | '#'*) continue ;; esac
		in=/dev/null
		[ "$stdin" = - ] || in=$stdin
		tmp=$(mktemp -d)
		set +e
		env -i PATH=/usr/bin:/bin BB="$bb" TMP="$tmp" sh -c "$cmd" <"$in" >"$outdir/$name.out" 2>/dev/null
		echo "exit=$?" >>"$outdir/$name.out"
		set -e
		rm -rf "$tmp"
	done <cases.txt
}

run_cases "setarch i686 -R $BUSYBOX" expected
echo "record-busybox-golden: $(ls expected | wc -l) native goldens" >&2

if [ "${1:-}" != --native-only ]; then
	pay=$(mktemp -d)
	mkdir -p "$pay/bb"
	cp -r cases.txt input "$pay/bb/"
	# The same loop in the guest's busybox sh; BB is the guest's own busybox.
	cat >"$pay/run.sh" <<'RUN'
cd /probe/bb
while IFS='	' read -r name stdin cmd; do
	case $name in '' | '#'*) continue ;; esac
	in=/dev/null
	[ "$stdin" = - ] || in=$stdin
	tmp=$(mktemp -d)
	env -i PATH=/bin BB=/bin/busybox TMP="$tmp" sh -c "$cmd" <"$in" >/tmp/.out 2>/dev/null
	echo "exit=$?" >>/tmp/.out
	rm -rf "$tmp"
	echo "@@CASE $name@@"
	cat /tmp/.out
done <cases.txt
echo "@@CASE free@@"; busybox free
echo "@@CASE uname_a@@"; busybox uname -a
echo "@@CASE nproc@@"; busybox nproc
RUN
	out=$(mktemp -d)
	"$ROOT/scripts/linux-oracle/boot.sh" 686 1024 "$pay" >"$out/all"
	awk -v d="$out" '/^@@CASE .*@@$/ { f = d "/" substr($2, 1, length($2) - 2) ".out"; printf "" > f; next } f { print >> f }' "$out/all"
	mkdir -p i386-reference
	for f in free uname_a nproc; do mv "$out/$f.out" "i386-reference/$f.out"; done
	for f in expected/*.out; do
		n=$(basename "$f")
		if ! cmp -s "$f" "$out/$n"; then
			echo "record-busybox-golden: ${n%.out} differs on the real i386 kernel:" >&2
			diff "$f" "$out/$n" | head -6 >&2 || true
			status=1
		fi
	done
	rm -rf "$pay" "$out"
	echo "record-busybox-golden: i386 cross-check done" >&2
fi
exit $status
