#!/bin/bash
# The cost of watching a run: host user time of `vmlab run` plain, with --stats, with
# --trace=fault, tlb, walk, swap, kmem and --strace (events written to a file), and with
# --report (a page written at exit), on the CPU-bound guest (tests/guest/bench_cpu.c),
# on one touching 1 GB of fresh memory (bench/guest/touch_anon.c) and on a working set
# larger than RAM that swaps (tests/guest/swap_workset.c: 4 passes over 48 MB in 48 MB
# of RAM with 64 MB of swap). Best of 3 each; the host is shared, so differences of a
# few per cent are noise (docs/observe.md, "Cost").
# Usage: bench/observe.sh [VMLAB]   (default build/rel/vmlab)
cd "$(dirname "$0")/.."
VMLAB=${1:-build/rel/vmlab}
out=build/bench
mkdir -p "$out"
make -s build/guest/bench_cpu-O2 build/guest/swap_workset-O2 || exit 1
gcc -m32 -static -O2 -o "$out/touch_anon" bench/guest/touch_anon.c || exit 1

best() { # command...: the least user seconds of 3 runs
	local b="" t
	for _ in 1 2 3; do
		t=$( { TIMEFORMAT=%U; time "$@" >/dev/null 2>&1; } 2>&1 )
		if [ -z "$b" ] || awk -v a="$t" -v b="$b" 'BEGIN { exit !(a < b) }'; then b=$t; fi
	done
	echo "$b"
}

# machine options | program and arguments
for prog in "|build/guest/bench_cpu-O2 5" "|$out/touch_anon" \
	"--mem=48M --swap=64M|build/guest/swap_workset-O2 48 seq 4"; do
	read -r -a m <<<"${prog%%|*}"
	read -r -a p <<<"${prog#*|}"
	base=$(best "$VMLAB" run "${m[@]}" "${p[@]}")
	printf '%-30s plain %7.3f s\n' "$(basename "${p[0]}")" "$base"
	for opts in "--stats" "--trace=fault --trace-file=$out/t.txt" \
		"--trace=tlb --trace-file=$out/t.txt" "--trace=walk --trace-file=$out/t.txt" \
		"--trace=swap --trace-file=$out/t.txt" "--trace=kmem --trace-file=$out/t.txt" \
		"--strace --trace-file=$out/t.txt" "--report=$out/r.html"; do
		read -r -a o <<<"$opts"
		t=$(best "$VMLAB" run "${m[@]}" "${o[@]}" "${p[@]}")
		printf '  %-28s %7.3f s (x%.2f), %s\n' "${o[0]}" "$t" \
			"$(awk -v a="$t" -v b="$base" 'BEGIN { print (b > 0 ? a / b : 0) }')" \
			"$([ -f "$out/t.txt" ] && echo "$(grep -c '^[@a-z+-]' "$out/t.txt") events" || echo -)"
		[ -f "$out/r.html" ] && printf '  %-28s %s bytes\n' "(the page)" "$(wc -c <"$out/r.html")"
		rm -f "$out/t.txt" "$out/r.html"
	done
done
