#!/usr/bin/env bash
# Debian's busybox-static:i386 under vmlab: every case of tests/busybox/cases.txt must give
# the byte-identical stdout and exit status recorded from real Linux (expected/NAME.out).
# TAP. VMLAB_BUILD=san runs a small subset (the sanitiser build is slow).
set -u
ROOT=$(cd "$(dirname "$0")/../.." && pwd)
VMLAB=${VMLAB:-$ROOT/build/rel/vmlab}
case $VMLAB in /*) ;; *) VMLAB=$PWD/$VMLAB ;; esac
if [ ! -x "$VMLAB" ]; then
	echo "1..0 # SKIP no vmlab binary at $VMLAB"
	exit 0
fi
if ! "$VMLAB" run --help >/dev/null 2>&1; then
	echo "1..0 # SKIP this vmlab has no working run command yet"
	exit 0
fi
BUSYBOX=$("$ROOT/scripts/get-busybox.sh" 2>/dev/null) || BUSYBOX=
if [ -z "$BUSYBOX" ] || [ ! -x "$BUSYBOX" ]; then
	echo "1..0 # SKIP busybox-static:i386 is not available (scripts/get-busybox.sh failed)"
	exit 0
fi
cd "$ROOT/tests/busybox" || exit 1
SUBSET="cat wc sort uniq_c head tail grep sed_subst awk_sum tr_upper cut_fields od md5sum
sha256sum gzip_roundtrip tar_list find ls expr seq printf dd cmp_differ diff uname_sm"
names=()
while IFS=$'\t' read -r name stdin cmd; do
	case $name in '' | '#'*) continue ;; esac
	if [ "${VMLAB_BUILD:-rel}" = san ] && ! [[ " $(echo $SUBSET) " == *" $name "* ]]; then
		continue
	fi
	names+=("$name")
done <cases.txt
echo "1..${#names[@]}"
n=0
out=$(mktemp -d)
trap 'rm -rf "$out"' EXIT
while IFS=$'\t' read -r name stdin cmd; do
	case $name in '' | '#'*) continue ;; esac
	[[ " ${names[*]} " == *" $name "* ]] || continue
	n=$((n + 1))
	in=/dev/null
	[ "$stdin" = - ] || in=$stdin
	tmp=$(mktemp -d)
	# The scratch directory is writable for the guest; everything else is read-only.
	env -i PATH=/usr/bin:/bin BB="$VMLAB run --rw $tmp -- $BUSYBOX" TMP="$tmp" \
		timeout 120 sh -c "$cmd" <"$in" >"$out/$name.out" 2>"$out/$name.err"
	echo "exit=$?" >>"$out/$name.out"
	rm -rf "$tmp"
	if cmp -s "expected/$name.out" "$out/$name.out"; then
		echo "ok $n - busybox $name"
	elif grep -q "unimplemented syscall \(clone\|fork\|vfork\)" "$out/$name.err"; then
		# vmlab runs one process: an applet that forks a helper cannot work yet
		echo "ok $n - busybox $name # SKIP the applet forks (vmlab runs a single process)"
	else
		echo "not ok $n - busybox $name"
		diff "expected/$name.out" "$out/$name.out" | head -8 | sed 's/^/#   /'
		head -3 "$out/$name.err" | sed 's/^/#   stderr: /'
	fi
done <cases.txt
