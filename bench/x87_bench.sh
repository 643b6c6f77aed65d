#!/bin/bash
# x87 benchmark (tests/guest/bench_fpu.c, -O2), in one run: natively, under qemu-i386 (when
# installed) and under flatrun. Prints CPU time (user+sys, best of $REPS runs) of the
# double-precision n-body + series program, and the cost of one x87 instruction from the
# timing loops: (loop with FADD ST(1),ST - the same loop with an integer ADD) / iterations,
# and for FLD m64 + FADD m64 + FSTP m64 per iteration, the difference divided by three.
# Every run's output is checked against the native one (native runs do 20 times the work,
# divided by 20 in the figures, as they are too short to time otherwise).
#   usage: bench/x87_bench.sh [SCALE]   (env: B=rel|san build, REPS=3, FLATRUN=path to
#                                        another flatrun, e.g. an older build, to compare)
set -e
cd "$(dirname "$0")/.."
scale=${1:-10}
reps=${REPS:-3}
build=${B:-rel}
bin=build/guest/bench_fpu-O2
flatrun=${FLATRUN:-build/$build/tests/tools/flatrun}
[ -x "$bin" ] || make -s "$bin"
[ -x "$flatrun" ] || make -s "$flatrun"
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

best() { # command... -> best CPU seconds of $reps runs; checks the output
	local bc= c
	for ((k = 0; k < reps; k++)); do
		/usr/bin/time -f "%U %S" -o "$tmp/t" "$@" >"$tmp/out" 2>/dev/null
		if ! cmp -s "$tmp/out" "$tmp/ref"; then
			echo "bench/x87_bench.sh: $* printed a different result" >&2
			exit 1
		fi
		read -r u s <"$tmp/t"
		c=$(awk "BEGIN{print $u + $s}")
		if [ -z "$bc" ] || awk "BEGIN{exit !($c < $bc)}"; then bc=$c; fi
	done
	echo "$bc"
}

loops=$((scale * 2)) # million iterations of each timing loop
runners=(native)
command -v qemu-i386 >/dev/null && runners+=(qemu-i386)
runners+=("$flatrun")
declare -A nbody fadd intl meml
# native runs are too short to time at these sizes: they run $nat times the work, and their
# times are divided by $nat
nat=20
for r in "${runners[@]}"; do
	pre=()
	m=1
	if [ "$r" = native ]; then m=$nat; else pre=("$r"); fi
	"$bin" $((scale * m)) >"$tmp/ref"
	nbody[$r]=$(best "${pre[@]}" "$bin" $((scale * m)))
	for mode in fadd int mem; do
		"$bin" $((loops * m)) $mode >"$tmp/ref"
		t=$(best "${pre[@]}" "$bin" $((loops * m)) $mode)
		case $mode in
		fadd) fadd[$r]=$t ;;
		int) intl[$r]=$t ;;
		mem) meml[$r]=$t ;;
		esac
	done
	if [ $m != 1 ]; then
		for a in nbody fadd intl meml; do
			declare -n arr=$a
			arr[$r]=$(awk "BEGIN{print ${arr[$r]} / $m}")
		done
	fi
done

ns() { awk "BEGIN{v = ($1 - $2) * 1e9 / ($loops * 1e6 * $3); printf \"%.1f\", v < 0 ? 0 : v}"; }
echo "bench_fpu -O2: n-body + series at scale $scale; timing loops of $loops M iterations;" \
	"best of $reps runs (CPU s)"
printf '  %-36s %10s %14s %18s\n' "" "n-body s" "ns/FADD ST(i)" "ns/x87 (ld/add/st)"
for r in "${runners[@]}"; do
	printf '  %-36s %10.3f %14s %18s\n' "$r" "${nbody[$r]}" \
		"$(ns "${fadd[$r]}" "${intl[$r]}" 1)" "$(ns "${meml[$r]}" "${intl[$r]}" 3)"
done
ratio() { awk "BEGIN{if ($2 > 0) printf \"%.1fx\", $1 / $2; else print \"(too fast to time)\"}"; }
echo "  n-body: flatrun / native $(ratio "${nbody[$flatrun]}" "${nbody[native]}")" \
	"${nbody[qemu-i386]:+, flatrun / qemu-i386 $(ratio "${nbody[$flatrun]}" "${nbody[qemu-i386]}")}"
