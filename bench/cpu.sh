#!/bin/bash
# CPU-bound guest benchmark (tests/guest/bench_cpu.c, -O2), in one run: natively, under
# qemu-i386 (Debian qemu-user, when installed), and on vmlab's CPU under flatrun: compiled
# blocks (the default) with the modelled TLB on and off, and the interpreter alone
# (--no-jit) with the TLB on. Prints each one's wall and CPU (user+sys) time, best of $REPS
# runs, guest instructions per second, and the time ratios (CPU time is the steadier figure
# on a loaded machine).
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
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

best() { # command... -> "wall cpu": the best of $reps runs of each; checks the output
	local bw= bc= w c
	for ((k = 0; k < reps; k++)); do
		/usr/bin/time -f "%e %U %S" -o "$tmp/t" "$@" "$scale" >"$tmp/out" 2>/dev/null
		if ! cmp -s "$tmp/out" "$tmp/ref"; then
			echo "bench/cpu.sh: $* printed a different result" >&2
			exit 1
		fi
		read -r w u s <"$tmp/t"
		c=$(awk "BEGIN{print $u + $s}")
		if [ -z "$bw" ] || awk "BEGIN{exit !($w < $bw)}"; then bw=$w; fi
		if [ -z "$bc" ] || awk "BEGIN{exit !($c < $bc)}"; then bc=$c; fi
	done
	echo "$bw $bc"
}

"$bin" "$scale" >"$tmp/ref"
insns=$("$flatrun" --stats "$bin" "$scale" 2>&1 >/dev/null | awk '/^instructions/ {print $2}')
read -r nw nc <<<"$(best "$bin")"
qw= qc=
if command -v qemu-i386 >/dev/null; then read -r qw qc <<<"$(best qemu-i386 "$bin")"; fi
read -r onw onc <<<"$(best "$flatrun" "$bin")"
read -r ofw ofc <<<"$(best "$flatrun" --no-tlb "$bin")"
read -r iw ic <<<"$(best "$flatrun" --no-jit "$bin")"

r() { awk "BEGIN{printf \"%.1f\", $1 / $2}"; }
echo "bench_cpu -O2, scale $scale: $insns guest instructions; best of $reps runs"
printf '  %-28s %8s %8s %10s\n' "" "wall s" "cpu s" "MIPS(cpu)"
printf '  %-28s %8.2f %8.2f\n' native "$nw" "$nc"
[ -n "$qw" ] && printf '  %-28s %8.2f %8.2f\n' qemu-i386 "$qw" "$qc"
printf '  %-28s %8.2f %8.2f %10.0f\n' "vmlab, TLB on" "$onw" "$onc" "$(awk "BEGIN{print $insns / $onc / 1e6}")"
printf '  %-28s %8.2f %8.2f %10.0f\n' "vmlab, TLB off" "$ofw" "$ofc" "$(awk "BEGIN{print $insns / $ofc / 1e6}")"
printf '  %-28s %8.2f %8.2f %10.0f\n' "vmlab --no-jit, TLB on" "$iw" "$ic" "$(awk "BEGIN{print $insns / $ic / 1e6}")"
echo "  ratios (wall / cpu):"
echo "    TLB on  / native     $(r "$onw" "$nw")x / $(r "$onc" "$nc")x"
if [ -n "$qw" ]; then
	echo "    TLB on  / qemu-i386  $(r "$onw" "$qw")x / $(r "$onc" "$qc")x"
	echo "    TLB off / qemu-i386  $(r "$ofw" "$qw")x / $(r "$ofc" "$qc")x"
	echo "    --no-jit / qemu-i386 $(r "$iw" "$qw")x / $(r "$ic" "$qc")x"
fi
