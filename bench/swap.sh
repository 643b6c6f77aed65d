#!/bin/bash
# Memory pressure: a working set of 2x RAM (tests/guest/swap_workset.c, 96 MB on --mem=48M
# with a 160 MB swap area, two random rounds) under each --reclaim policy: wall time, major
# faults, pages swapped in and out, and wall ns per page moved (swap-ins + swap-outs; the
# whole run's time, so an upper bound on the cost of one swap operation).
# Usage: bench/swap.sh [VMLAB]   (default build/rel/vmlab)
cd "$(dirname "$0")/.."
VMLAB=${1:-build/rel/vmlab}
make -s build/guest/swap_workset-O2 || exit 1
printf "%-8s %10s %12s %10s %10s %12s\n" policy "wall s" "major flt" pswpin pswpout "ns/page"
for p in linux fifo lru clock random; do
	t0=$(date +%s.%N)
	"$VMLAB" run --mem=48M --swap=160M --reclaim=$p --stats -- build/guest/swap_workset-O2 96 rand 2 \
		>/dev/null 2>"build/bench-swap-$p.txt"
	t1=$(date +%s.%N)
	awk -v p=$p -v a="$t0" -v b="$t1" '
		$1 == "pswpin" { pin = $2 } $1 == "pswpout" { pout = $2 } $1 == "fault_major" { maj = $2 }
		END { s = b - a; printf "%-8s %10.2f %12d %10d %10d %12.0f\n", p, s, maj, pin, pout,
		      (pin + pout) ? s * 1e9 / (pin + pout) : 0 }' "build/bench-swap-$p.txt"
	rm -f "build/bench-swap-$p.txt"
done
