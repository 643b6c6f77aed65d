#!/bin/bash
# Processes: wall time of vmlab run against native execution and qemu-i386, in one run:
# fork+exit+wait of a 64 MB process (µs per fork), pipe throughput (MB/s), and a ping-pong
# over two pipes (context switches per second; vmlab also with --tlb-asid, where a switch
# keeps the other address space's TLB entries).
# Usage: bench/procs.sh [VMLAB]   (default build/rel/vmlab)
cd "$(dirname "$0")/.."
VMLAB=${1:-build/rel/vmlab}
out=build/bench
mkdir -p "$out"
gcc -m32 -static -O2 -o "$out/procs_bench" bench/guest/procs_bench.c || exit 1
QEMU=$(command -v qemu-i386 || command -v qemu-i386-static)
B=$out/procs_bench

secs() { # command...: wall seconds
	local t0 t1
	t0=$(date +%s.%N)
	"$@" >/dev/null 2>&1
	t1=$(date +%s.%N)
	awk -v a="$t0" -v b="$t1" 'BEGIN { printf "%.6f", b - a }'
}
per() { # seconds, count, scale: seconds * scale / count
	awk -v s="$1" -v n="$2" -v k="$3" 'BEGIN { printf "%.1f", s * k / n }'
}
rate() { # count, seconds
	awk -v s="$2" -v n="$1" 'BEGIN { printf "%.0f", n / s }'
}
three() { # label, unit, formatter, args...: native / vmlab / qemu
	local label=$1 unit=$2 fmt=$3
	shift 3
	local n v q=""
	n=$(secs "$B" "$@")
	v=$(secs "$VMLAB" run -- "$B" "$@")
	[ -n "$QEMU" ] && q=$(secs "$QEMU" "$B" "$@")
	printf "%-34s native %10s   vmlab %10s   qemu-i386 %10s  %s\n" "$label" "$($fmt "$n")" \
		"$($fmt "$v")" "$([ -n "$q" ] && $fmt "$q" || echo n/a)" "$unit"
}
echo "machine: $(uname -m), $(nproc) CPUs; vmlab defaults (1 GB RAM, 64x4 LRU TLB, 2-level, THP always)"
NF=200
fork_us() { per "$1" $NF 1000000; }
three "fork+exit+wait, 64 MB process" "µs per fork" fork_us fork $NF
MB=256
pipe_mbs() { awk -v s="$1" -v m=$MB 'BEGIN { printf "%.0f", m / s }'; }
three "pipe, $MB MB in 64 KB writes" "MB/s" pipe_mbs pipe $MB
NP=20000
pp_rate() { rate $((NP * 2)) "$1"; }
three "ping-pong over pipes, $NP round trips" "switches/s" pp_rate pingpong $NP
t=$(secs "$VMLAB" run --tlb-asid -- "$B" pingpong $NP)
printf "%-34s vmlab --tlb-asid %10s switches/s\n" "ping-pong, ASID-tagged TLB" "$(pp_rate "$t")"
echo "vmlab's counts for the ping-pong (flush per switch, then --tlb-asid):"
for o in "" --tlb-asid; do
	"$VMLAB" run $o --stats -- "$B" pingpong $NP 2>&1 >/dev/null |
		grep -E "^tlb:|sched_switches|sched_cr3_loads" | sed 's/^/  /'
done
