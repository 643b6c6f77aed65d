#!/bin/bash
# --mem at and around its bounds: every size from the documented minimum (32M) boots and
# runs a program in both paging modes, up to 4G (2level) and 63G (pae, soak only: it maps
# 1.7 GB of host memory); the smallest machine runs out of memory cleanly (the OOM killer,
# status 137); sizes outside the bounds, not multiples of 4K, negative, overflowing or
# malformed are refused with a message naming the rule, before anything runs.
cd "$(dirname "$0")/../.."
VMLAB=${VMLAB:-build/rel/vmlab}
n=0
ok() { n=$((n + 1)); echo "ok $n - $1"; }
nok() { n=$((n + 1)); echo "not ok $n - $1"; }
prog=build/guest/exit_code-O2
fill=build/guest/mm_fill-O2
if [ ! -x "$VMLAB" ] || [ ! -x "$prog" ] || [ ! -x "$fill" ]; then
	echo "ok 1 - mem_sizes # SKIP $VMLAB or the guests are not built"
	exit 0
fi
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

runs() { # label, mem, paging
	"$VMLAB" run --mem="$2" --paging="$3" -- "$prog" >"$tmp/out" 2>"$tmp/err" </dev/null
	local rc=$?
	if [ "$rc" -eq 44 ]; then
		ok "$1: --mem=$2 --paging=$3 runs the program"
	else
		nok "$1: --mem=$2 --paging=$3 runs the program (status $rc)"
		sed 's/^/# /' "$tmp/err" | head -3
	fi
}
refused() { # label, mem, paging, message (ERE)
	"$VMLAB" run --mem="$2" --paging="$3" -- "$prog" >"$tmp/out" 2>"$tmp/err" </dev/null
	local rc=$?
	if [ "$rc" -eq 2 ] && [ ! -s "$tmp/out" ] && grep -qE "$4" "$tmp/err"; then
		ok "$1: --mem='$2' --paging=$3 refused"
	else
		nok "$1: --mem='$2' --paging=$3 refused (status $rc)"
		sed 's/^/# /' "$tmp/err" | head -3
	fi
}

sizes="32M 32772K 32776K 33M 34M 35M 36M 40M 48M 64M 96M 128M 896M 900M 1G 3G 3584M 4G"
[ "$VMLAB_BUILD" = san ] && sizes="32M 32772K 33M 48M 1G 4G"
for pg in 2level pae; do
	for m in $sizes; do
		runs "boots" "$m" "$pg"
	done
	refused "below the minimum" 32764K "$pg" "at least 32M: the kernel"
	refused "below the minimum" 16M "$pg" "at least 32M"
	refused "zero" 0 "$pg" "at least 32M"
	"$VMLAB" run --mem=32M --paging=$pg -- "$fill" 64 >"$tmp/out" 2>"$tmp/err" </dev/null
	rc=$?
	if [ "$rc" -eq 137 ] && grep -q "^Out of memory: Killed process 1000 (mm_fill-O2)" "$tmp/err"; then
		ok "32M $pg: filling memory ends in the OOM killer (137)"
	else
		nok "32M $pg: filling memory ends in the OOM killer (status $rc)"
		sed 's/^/# /' "$tmp/err" | head -3
	fi
done
refused "above 2level's reach" 4100M 2level "at most 4G with --paging=2level"
refused "above 2level's reach" 5G 2level "at most 4G"
runs "pae above 4 GB" 5G pae
refused "above pae's reach" 64G pae "at most 63G with --paging=pae"
refused "above pae's reach" 64513M pae "at most 63G"
if [ -n "$VMLAB_SOAK" ]; then
	runs "pae maximum" 63G pae
fi
refused "not a multiple of 4K" 33002K 2level "multiple of 4K"
refused "not a multiple of 4K" 33554433 2level "multiple of 4K"
refused "negative" -1 2level "bad --mem '-1'"
refused "negative" -64M pae "bad --mem"
refused "2^64-1 bytes" 18446744073709551615 pae "at most 63G"
refused "overflows 64 bits" 18446744073709551616 pae "bad --mem"
refused "overflows once scaled" 17179869184G pae "bad --mem"
refused "malformed" 1.5G 2level "bad --mem"
refused "malformed" 64MiB 2level "bad --mem"
refused "malformed" " 64M" 2level "bad --mem"
refused "malformed" "" 2level "bad --mem"
refused "unknown suffix" 1T pae "bad --mem"
echo "1..$n"
