#!/bin/bash
# CPU-bound guest benchmark (tests/guest/bench_cpu.c, -O2), in one run: natively, under
# qemu-i386 (Debian qemu-user, when installed), and on the interpreter under flatrun with
# the modelled TLB on and off. Prints each wall time (best of $REPS), the interpreter's
# instructions per second, and the wall-time ratios.
#   usage: bench/cpu.sh [SCALE]   (env: B=rel|san build, REPS=3)
set -e
cd "$(dirname "$0")/.."
scale=${1:-4}
reps=${REPS:-3}
build=${B:-rel}
bin=build/guest/bench_cpu-O2
flatrun=build/$build/tests/tools/flatrun
[ -x "$bin" ] || make -s "$bin"
[ -x "$flatrun" ] || make -s "$flatrun"

best() { # command... -> best wall seconds of $reps runs; checks the output each time
	local b= t out
	for ((k = 0; k < reps; k++)); do
		/usr/bin/time -f "%e" -o /tmp/bench_cpu.t.$$ "$@" "$scale" >/tmp/bench_cpu.$$ 2>/dev/null
		out=$(tail -1 /tmp/bench_cpu.t.$$)
		if ! cmp -s /tmp/bench_cpu.$$ /tmp/bench_cpu.ref.$$; then
			echo "bench/cpu.sh: $* printed a different result" >&2
			exit 1
		fi
		if [ -z "$b" ] || awk "BEGIN{exit !($out < $b)}"; then b=$out; fi
	done
	echo "$b"
}

"$bin" "$scale" >/tmp/bench_cpu.ref.$$
insns=$("$flatrun" --stats "$bin" "$scale" 2>&1 >/dev/null | awk '/^instructions/ {print $2}')
native=$(best "$bin")
if command -v qemu-i386 >/dev/null; then qemu=$(best qemu-i386 "$bin"); else qemu=; fi
tlb_on=$(best "$flatrun" "$bin")
tlb_off=$(best "$flatrun" --no-tlb "$bin")
rm -f /tmp/bench_cpu.$$ /tmp/bench_cpu.ref.$$ /tmp/bench_cpu.t.$$

echo "bench_cpu -O2, scale $scale: $insns guest instructions (best of $reps, wall seconds)"
printf '  %-28s %8.3f s\n' native "$native"
[ -n "$qemu" ] && printf '  %-28s %8.3f s\n' qemu-i386 "$qemu"
printf '  %-28s %8.3f s  %7.1f MIPS\n' "vmlab interpreter, TLB on" "$tlb_on" "$(awk "BEGIN{print $insns / $tlb_on / 1e6}")"
printf '  %-28s %8.3f s  %7.1f MIPS\n' "vmlab interpreter, TLB off" "$tlb_off" "$(awk "BEGIN{print $insns / $tlb_off / 1e6}")"
printf '  ratio TLB on / native      %6.1fx\n' "$(awk "BEGIN{print $tlb_on / $native}")"
if [ -n "$qemu" ]; then
	printf '  ratio TLB on / qemu-i386   %6.1fx\n' "$(awk "BEGIN{print $tlb_on / $qemu}")"
	printf '  ratio TLB off / qemu-i386  %6.1fx\n' "$(awk "BEGIN{print $tlb_off / $qemu}")"
fi
