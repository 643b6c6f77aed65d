#!/bin/bash
# The memory system's own costs, one figure per row, each with an A/B against a second vmlab
# when one is given (e.g. a build of the previous commit): CPU seconds (user + sys) and
# peak RSS from /usr/bin/time, one run each (startup: 20, CPU per run), so quote medians
# of repeated runs for anything finer than the ratios' first digit.
#   munmap loop      bench/guest/munmap_loop.c: mmap + write + munmap of one page, 50000x,
#                    2-level and PAE (page-table freeing on munmap)
#   touch, --no-tlb  bench/guest/touch_anon.c 256 MB with --no-tlb --thp=never (one INVLPG
#                    per kunmap_local, each fault) and with the TLB model
#   chase            bench/guest/chase.c: 256 MB pointer chase, 5 M steps, 2-level and PAE,
#                    huge pages on (large-page TLB entries evicted all the time)
#   startup          a static `true` at --mem=64M, default (1G) and 2G
# Usage: bench/mm.sh [VMLAB [OTHER_VMLAB]]   (default build/rel/vmlab)
#        ONLY_STARTUP=1 bench/mm.sh ...      the startup rows alone
cd "$(dirname "$0")/.."
A=${1:-build/rel/vmlab}
B=$2
out=build/bench
mkdir -p "$out"
for g in munmap_loop touch_anon chase; do
	gcc -m32 -static -O2 -o "$out/$g" "bench/guest/$g.c" || exit 1
done
printf 'int main(void) { return 0; }\n' >"$out/true.c"
gcc -m32 -static -O2 -o "$out/true" "$out/true.c" || exit 1

REPEAT=1
measure() { # vmlab, args...: "CPU_SECONDS PEAK_KB", CPU per run over REPEAT runs
	/usr/bin/time -o "$out/mm.time" -f '%U %S %M' bash -c \
		'for ((i = 0; i < $0; i++)); do "$@" >/dev/null 2>&1; done' "$REPEAT" "$@"
	awk -v n="$REPEAT" '{ printf "%.4f %d", ($1 + $2) / n, $3 }' "$out/mm.time"
}

row() { # label, args after "vmlab run"...
	local label=$1
	shift
	read -r ta ma <<<"$(measure "$A" run "$@")"
	if [ -n "$B" ]; then
		read -r tb mb <<<"$(measure "$B" run "$@")"
		printf '%-26s %8.4f s %7d kB   other %8.4f s %7d kB   ratio %.2f\n' "$label" \
			"$ta" "$ma" "$tb" "$mb" "$(awk -v a="$ta" -v b="$tb" 'BEGIN { print b ? a / b : 0 }')"
	else
		printf '%-26s %8.4f s %7d kB\n' "$label" "$ta" "$ma"
	fi
}

echo "machine: $(uname -m), $(nproc) CPUs, $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2)"
if [ -z "$ONLY_STARTUP" ]; then
	row "munmap loop, 2-level" -- "$out/munmap_loop" 50000
	row "munmap loop, PAE" --paging=pae -- "$out/munmap_loop" 50000
	row "touch 256 MB, --no-tlb" --no-tlb --thp=never -- "$out/touch_anon" 256
	row "touch 256 MB, TLB model" --thp=never -- "$out/touch_anon" 256
	row "chase 256 MB, 2-level" -- "$out/chase" 256 5000000
	row "chase 256 MB, PAE" --paging=pae -- "$out/chase" 256 5000000
	row "chase 256 MB, --thp=never" --thp=never -- "$out/chase" 256 5000000
fi
REPEAT=20 # each run is a few ms: time 20
row "startup true, --mem=64M" --mem=64M -- "$out/true"
row "startup true, 1G" -- "$out/true"
row "startup true, --mem=2G" --mem=2G -- "$out/true"
