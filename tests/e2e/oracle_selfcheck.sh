#!/bin/bash
# Checks that the committed real-Linux goldens are real and the programs
# deterministic: re-runs natively, exactly as scripts/record-guest-golden.sh and
# scripts/record-busybox-golden.sh recorded them, every guest program that has
# a tests/guest/expected/NAME.native.out (both -O levels) and every busybox case
# of tests/busybox/cases.txt, and compares byte for byte. Does not use vmlab.
# Runs only for VMLAB_BUILD=rel (the sanitizer build has nothing to add here).
# A failure here after a host kernel upgrade means the native goldens need
# re-recording (the host's kernel is the oracle of the .native.out files).
cd "$(dirname "$0")/../.." || exit 1
ROOT=$PWD
n=0
if [ "${VMLAB_BUILD:-rel}" != rel ]; then
	echo "ok 1 - oracle selfcheck # SKIP runs in the rel build only"
	exit 0
fi
if [ ! -x build/native/sigdfl ]; then
	echo "not ok 1 - oracle selfcheck: build/native/sigdfl is missing (make all)"
	echo "1..1"
	exit 0
fi
if ! command -v setarch >/dev/null; then
	echo "ok 1 - oracle selfcheck # SKIP setarch (util-linux) missing"
	exit 0
fi
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

check() { # label expected got
	n=$((n + 1))
	if cmp -s "$2" "$3"; then
		echo "ok $n - $1"
	else
		echo "not ok $n - $1"
		diff "$2" "$3" | head -6 | sed 's/^/# /'
	fi
}

pku=$(grep -m1 -w -o pku /proc/cpuinfo)
for exp in tests/guest/expected/*.native.out; do
	base=$(basename "$exp" .native.out) # NAME or NAME.O0 (per-build goldens)
	name=${base%.O[02]}
	levels="O0 O2"
	[ "$base" != "$name" ] && levels=${base##*.}
	for O in $levels; do
		bin=build/guest/$name-$O
		if [ ! -x "$bin" ]; then
			n=$((n + 1))
			echo "ok $n - native $name-$O # SKIP not built (make guests)"
			continue
		fi
		got=$tmp/$name-$O
		# A native run shares the host with everything else: a busy machine can add a
		# major fault (text evicted from the page cache) or reorder a fork's parent and
		# child. The golden is shown real when one of three runs prints it.
		for try in 1 2 3; do
			{ (ulimit -s 8192; umask 022; cd /tmp && exec env -i PATH=/bin timeout -s KILL 60 \
				setarch i686 -R "$ROOT/build/native/sigdfl" "$ROOT/$bin" </dev/null 2>/dev/null) >"$got"; } 2>/dev/null
			echo "exit=$?" >>"$got"
			# An x86-64 host kernel lists smaps' ProtectionKey when its CPU has PKU
			# (Zen 3 does, this golden's host did not); i386 Linux never does
			[ -n "$pku" ] && sed -i '/^smaps fields:/s/ ProtectionKey / /' "$got"
			cmp -s "$exp" "$got" && break
		done
		check "native $name-$O matches its golden" "$exp" "$got"
	done
done

if ! BUSYBOX=$(scripts/get-busybox.sh 2>/dev/null); then
	n=$((n + 1))
	echo "ok $n - busybox cases # SKIP busybox-static:i386 could not be fetched"
else
	cd tests/busybox || exit 1
	while IFS=$'\t' read -r name stdin cmd; do
		case $name in '' | '#'*) continue ;; esac
		in=/dev/null
		[ "$stdin" = - ] || in=$stdin
		scratch=$(mktemp -d)
		env -i PATH=/usr/bin:/bin BB="setarch i686 -R $BUSYBOX" TMP="$scratch" sh -c "$cmd" <"$in" >"$tmp/bb-$name" 2>/dev/null
		echo "exit=$?" >>"$tmp/bb-$name"
		rm -rf "$scratch"
		check "busybox $name matches its golden" "expected/$name.out" "$tmp/bb-$name"
	done <cases.txt
	cd "$ROOT" || exit 1
fi
[ "$n" -gt 0 ] || echo "ok 1 - oracle selfcheck # SKIP no goldens"
