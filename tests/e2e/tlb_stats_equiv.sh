#!/bin/bash
# The TLB model's statistics are a result, not a by-product: a change to how the model is
# computed (the miss path, replacement, the fast table's bookkeeping) must leave every number
# `vmlab run --stats=json` prints, and every event of --trace=tlb,walk (but the slow-path
# hits, which follow the CPU's engines), as it was. This runs
# guest programs (bench_cpu, busybox sort and gzip, a swap working set, a forking program)
# under TLB configurations covering each policy, power-of-two and other set counts, direct-
# mapped and fully associative, ASIDs, PAE, no THP, no TLB and the interpreter, and compares:
#  - by default with tests/e2e/expected/tlb_stats.txt (recorded from main before the miss-path
#    rework, with the programs run by relative names from a scratch directory; the TLB statistics, counters but the decode cache's, instructions and faults of
#    each case, and a digest of each trace);
#  - with VMLAB_REF=/path/to/other/vmlab, the whole JSON (but argv, wall time and MIPS) and
#    the traces against that binary's, case by case (before/after a change);
#  - VMLAB_RECORD=1 rewrites the expected file from $VMLAB (after a change that is meant to
#    alter the statistics, e.g. of the kernel's memory manager; say why in the commit).
# TAP. Needs build/guest (make guests) and busybox (scripts/get-busybox.sh).
cd "$(dirname "$0")/../.."
ROOT=$PWD
VMLAB=${VMLAB:-$ROOT/build/${VMLAB_BUILD:-rel}/vmlab}
G=$ROOT/build/guest
EXP=$ROOT/tests/e2e/expected/tlb_stats.txt
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
n=0
ok() { n=$((n + 1)); if [ "$1" = 0 ]; then echo "ok $n - $2"; else echo "not ok $n - $2"; fi; }
skip() { n=$((n + 1)); echo "ok $n - $1 # SKIP $2"; }

if ! command -v jq >/dev/null; then
	echo "1..0 # SKIP jq missing"
	exit 0
fi
for b in bench_cpu-O2 swap_workset-O2 proc_fork_cow-O2; do
	if [ ! -x "$G/$b" ]; then
		echo "1..0 # SKIP guest programs not built (make guests)"
		exit 0
	fi
done
BB=$(scripts/get-busybox.sh 2>/dev/null) || BB=
# a fixed text input (what bench/ feeds bzip2, shorter)
seq 1 60000 | rev >"$tmp/in"
# the programs run from $tmp by relative names: a guest's argv and path lengths change its
# instruction count, and the checkout's path must not
for b in bench_cpu-O2 swap_workset-O2 proc_fork_cow-O2; do cp "$G/$b" "$tmp/"; done
[ -n "$BB" ] && cp "$BB" "$tmp/busybox" && BB=./busybox
G=.

# name|vmlab options|program and arguments
cases=(
	"bench|-|$G/bench_cpu-O2 1"
	"bench-fifo|--tlb-policy=fifo|$G/bench_cpu-O2 1"
	"bench-random|--tlb-policy=random --seed=7|$G/bench_cpu-O2 1"
	"bench-24sets|--tlb=96x4|$G/bench_cpu-O2 1"
	"bench-full-random|--tlb=32 --tlb-policy=random|$G/bench_cpu-O2 1"
	"bench-direct-fifo|--tlb=16x1 --tlb-policy=fifo|$G/bench_cpu-O2 1"
	"bench-pae|--paging=pae|$G/bench_cpu-O2 1"
	"bench-nothp-8x2|--thp=never --tlb=8x2|$G/bench_cpu-O2 1"
	"bench-notlb|--no-tlb|$G/bench_cpu-O2 1"
	"bench-nojit-12x3|--no-jit --tlb=12x3 --tlb-policy=fifo|$G/bench_cpu-O2 1"
	"sort|-|$BB sort in"
	"sort-pae-asid-fifo|--paging=pae --tlb=128x8 --tlb-asid --tlb-policy=fifo|$BB sort in"
	"sort-random-5x5|--tlb=25x5 --tlb-policy=random|$BB sort in"
	"gzip|-|$BB gzip -c in"
	"gzip-asid-direct|--tlb-asid --tlb=64x1|$BB gzip -c in"
	"gzip-nothp-full|--thp=never --tlb=48|$BB gzip -c in"
	"swap|--mem=48M --swap=64M|$G/swap_workset-O2 48 seq 2"
	"swap-pae-random|--mem=48M --swap=64M --paging=pae --tlb-policy=random|$G/swap_workset-O2 48 rand 2"
	"swap-asid-fifo|--mem=48M --swap=64M --tlb-asid --tlb-policy=fifo --tlb=32x2|$G/swap_workset-O2 48 seq 1"
	"fork|-|$G/proc_fork_cow-O2"
	"fork-asid-random|--tlb-asid --tlb-policy=random --tlb=8x4|$G/proc_fork_cow-O2"
	"fork-pae-notlb|--paging=pae --no-tlb|$G/proc_fork_cow-O2"
)
# traced: every TLB and walk event (small programs, or a window of bench_cpu)
traces=(
	"trace-fork|--tlb=8x2|$G/proc_fork_cow-O2"
	"trace-fork-pae-asid-random|--paging=pae --tlb-asid --tlb-policy=random --tlb=16|$G/proc_fork_cow-O2"
	"trace-bench-fifo|--tlb=12x3 --tlb-policy=fifo --trace-insns=20000000-20100000|$G/bench_cpu-O2 1"
)
if [ "$VMLAB_BUILD" = san ]; then
	# the sanitizer build runs a few of them (kept under a minute)
	cases=("${cases[1]}" "${cases[7]}" "${cases[11]}" "${cases[17]}" "${cases[20]}")
	traces=("${traces[1]}")
fi

# run VMLAB NAME OPTS PROG -> $tmp/NAME.json (filtered: no argv, wall time, MIPS)
run() {
	local v=$1 name=$2 opts=$3 prog=$4
	[ "$opts" = - ] && opts=
	# shellcheck disable=SC2086
	(cd "$tmp" && env -i PATH=/bin timeout -s KILL 120 "$v" run --stats=json \
		--stats-file="$tmp/$name.raw" $opts -- $prog </dev/null >/dev/null 2>&1)
	jq -cS 'del(.argv, .wall_seconds, .rates.mips, .program)' "$tmp/$name.raw" \
		>"$tmp/$name.json" 2>/dev/null
}
# what the expected file keeps of a case: not the decode cache's counters, which follow the
# CPU's compile policy (--jit-threshold), not the memory system
summary() {
	jq -cS '{instructions, tlb, faults, exit: .exit.status,
		counters: .counters | with_entries(select(.key | startswith("decode_cache") | not))}' "$1"
}
trace() {
	local v=$1 name=$2 opts=$3 prog=$4
	# shellcheck disable=SC2086
	(cd "$tmp" && env -i PATH=/bin timeout -s KILL 120 "$v" run --trace=tlb,walk \
		--trace-file="$tmp/$name.trace" $opts -- $prog </dev/null >/dev/null 2>&1)
}

total=$((${#cases[@]} + ${#traces[@]}))
echo "1..$total"
[ "$VMLAB_RECORD" = 1 ] && : >"$EXP.new"
for c in "${cases[@]}" "${traces[@]}"; do
	IFS='|' read -r name opts prog <<<"$c"
	if [[ "$prog" == " "* ]] || [ -z "${prog%% *}" ]; then
		skip "$name" "busybox missing (scripts/get-busybox.sh)"
		continue
	fi
	traced=0
	[[ "$name" == trace-* ]] && traced=1
	if [ $traced = 1 ]; then
		trace "$VMLAB" "$name" "$opts" "$prog"
		# the events without their instruction stamps (@N: the trace clock) and without
		# the slow-path hits (which accesses take the slow path is the CPU's business:
		# compiled code's kept translations, docs/observe.md), both follow the engines
		sed -E 's/^@[0-9]* //' "$tmp/$name.trace" | grep -vE '^tlb +(\[pid [0-9]+\] )?hit ' >"$tmp/$name.ev"
		got=$(md5sum <"$tmp/$name.ev" | cut -d' ' -f1)
		got="$got $(grep -c . "$tmp/$name.ev") events"
		[ -s "$tmp/$name.trace" ] || got=missing
	else
		run "$VMLAB" "$name" "$opts" "$prog"
		got=$(summary "$tmp/$name.json" 2>/dev/null)
		[ -n "$got" ] || got=missing
	fi
	if [ -n "$VMLAB_REF" ]; then
		if [ $traced = 1 ]; then
			trace "$VMLAB_REF" "$name.ref" "$opts" "$prog"
			# with their clocks, without the slow-path hits (as above)
			for f in "$name" "$name.ref"; do
				grep -vE '^@[0-9]+ tlb +(\[pid [0-9]+\] )?hit ' "$tmp/$f.trace" >"$tmp/$f.cmp"
			done
			cmp -s "$tmp/$name.cmp" "$tmp/$name.ref.cmp" && [ "$got" != missing ]
			r=$?
			[ $r = 0 ] || diff "$tmp/$name.ref.cmp" "$tmp/$name.cmp" | head -6 | sed 's/^/# /'
		else
			run "$VMLAB_REF" "$name.ref" "$opts" "$prog"
			cmp -s "$tmp/$name.json" "$tmp/$name.ref.json" && [ "$got" != missing ]
			r=$?
			[ $r = 0 ] && [ -s "$tmp/$name.json" ] || {
				r=1
				diff <(jq -S . "$tmp/$name.ref.json") <(jq -S . "$tmp/$name.json") |
					head -10 | sed 's/^/# /'
			}
		fi
		ok $r "$name ($opts): statistics equal to $VMLAB_REF's"
		continue
	fi
	if [ "$VMLAB_RECORD" = 1 ]; then
		printf '%s\t%s\n' "$name" "$got" >>"$EXP.new"
		ok 0 "$name: recorded"
		continue
	fi
	want=$(awk -F'\t' -v k="$name" '$1 == k { print $2 }' "$EXP")
	[ "$got" != missing ] && [ "$got" = "$want" ]
	r=$?
	if [ $r != 0 ]; then
		if [ $traced = 1 ]; then
			echo "# want $want, got $got"
		else
			diff <(echo "$want" | jq -S .) <(echo "$got" | jq -S .) | head -10 | sed 's/^/# /'
		fi
	fi
	ok $r "$name ($opts): statistics as recorded"
done
[ "$VMLAB_RECORD" = 1 ] && mv "$EXP.new" "$EXP"
exit 0
