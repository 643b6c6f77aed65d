#!/bin/bash
# Wall time of vmlab run against native execution and qemu-i386 (user-mode emulation), in
# one run: a CPU-bound program (tests/guest/bench_cpu.c), busybox gzip -c of 20 MB, and a
# program touching 1 GB of fresh anonymous memory (bench/guest/touch_anon.c), with ns per
# page fault for the latter.
# Usage: bench/run.sh [VMLAB]   (default build/rel/vmlab)
cd "$(dirname "$0")/.."
VMLAB=${1:-build/rel/vmlab}
out=build/bench
mkdir -p "$out"
make -s build/guest/bench_cpu-O2 || exit 1
gcc -m32 -static -O2 -o "$out/touch_anon" bench/guest/touch_anon.c || exit 1
QEMU=$(command -v qemu-i386 || command -v qemu-i386-static)

secs() { # command...: wall seconds
	local t0 t1
	t0=$(date +%s.%N)
	"$@" >/dev/null 2>&1
	t1=$(date +%s.%N)
	awk -v a="$t0" -v b="$t1" 'BEGIN { printf "%.6f", b - a }'
}

calc() { # awk expression
	awk "BEGIN { printf \"%.6f\", $1 }"
}

row() { # label, native, vmlab, qemu
	printf "%-28s native %8.3f s   vmlab %8.3f s (x%.1f)   qemu-i386 %s\n" "$1" "$2" "$3" \
		"$(calc "$3 / $2")" \
		"$([ -n "$4" ] && printf '%8.3f s (x%.1f)' "$4" "$(calc "$4 / $2")" || echo n/a)"
}

echo "machine: $(uname -m), $(nproc) CPUs; vmlab defaults (1 GB RAM, 64x4 LRU TLB, 2-level)"
n=$(secs build/guest/bench_cpu-O2 3)
v=$(secs "$VMLAB" run -- build/guest/bench_cpu-O2 3)
q=""
[ -n "$QEMU" ] && q=$(secs "$QEMU" build/guest/bench_cpu-O2 3)
row "cpu-bound (bench_cpu 3)" "$n" "$v" "$q"

BB=build/busybox/bin/busybox
if [ -x "$BB" ]; then
	# 20 MB of text that compresses like source code does
	[ -f "$out/gz.in" ] || seq 1 3000000 | head -c 20000000 >"$out/gz.in"
	n=$(secs sh -c "$BB gzip -c $out/gz.in >/dev/null")
	v=$(secs sh -c "$VMLAB run -- $BB gzip -c $out/gz.in >/dev/null")
	q=""
	[ -n "$QEMU" ] && q=$(secs sh -c "$QEMU $BB gzip -c $out/gz.in >/dev/null")
	row "busybox gzip -c (20 MB)" "$n" "$v" "$q"
else
	echo "busybox gzip: $BB not present (the busybox test fetches it)"
fi

MB=1024
pages=$((MB * 256))
# Per-fault cost: one demand-zero fault per 4 KB page on every side. The host kernel (and so
# qemu-i386) gives plain anonymous mmaps 4 KB pages (THP "madvise" here), so vmlab runs with
# --thp=never for this row; its default (THP always, as Debian's 686 kernel) is shown after.
n=$(secs "$out/touch_anon" $MB)
v=$(secs "$VMLAB" run --mem=2G --thp=never -- "$out/touch_anon" $MB)
q=""
[ -n "$QEMU" ] && q=$(secs "$QEMU" "$out/touch_anon" $MB)
row "touch 1 GB anonymous" "$n" "$v" "$q"
printf "%-28s native %6.0f ns   vmlab %6.0f ns   qemu-i386 %s\n" "per fault ($pages faults)" \
	"$(calc "$n * 1000000000 / $pages")" "$(calc "$v * 1000000000 / $pages")" \
	"$([ -n "$q" ] && printf '%6.0f ns' "$(calc "$q * 1000000000 / $pages")" || echo n/a)"
echo "vmlab's own count (--thp=never):"
"$VMLAB" run --mem=2G --thp=never --stats -- "$out/touch_anon" $MB 2>&1 | grep -E "^pages|^faults|^instructions"
t=$(secs "$VMLAB" run --mem=2G -- "$out/touch_anon" $MB)
printf "%-28s vmlab %8.3f s with THP (4 MB pages: one fault per huge page)\n" "touch 1 GB, --thp=always" "$t"
