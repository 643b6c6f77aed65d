#!/bin/bash
# Records the real i386 kernel's view of its own memory as golden files:
# for each flavour (686 = 2-level paging, 686-pae = PAE) and RAM size, boots
# Debian's kernel with busybox as init and saves /proc/{zoneinfo,meminfo,
# buddyinfo,vmallocinfo,slabinfo,iomem,pagetypeinfo,vmstat}, the vm sysctls and
# the boot log lines about memory into tests/golden/linux/FLAVOUR/mem-NM/.
# Also saves the qemu default CPU's /proc/cpuinfo in tests/golden/linux/FLAVOUR/.
# Usage: scripts/linux-oracle/record-mem.sh [MEM_MB ...]   (default: the sizes below)
set -euo pipefail
ROOT=$(cd "$(dirname "$0")/../.." && pwd)
cd "$ROOT"
SIZES=${*:-"64 128 512 880 1024 2048 3072 4096"}
GOLD=tests/golden/linux
PAY=$(mktemp -d)
trap 'rm -rf "$PAY"' EXIT
# The payload prints each file after a "@@FILE name@@" line. Boot-log
# timestamps are dropped (they depend on the host's speed); vmallocinfo is
# sorted by address so that its order does not depend on the kernel's tree walk;
# its addresses are real (kptr_restrict=1 shows them to root).
cat >"$PAY/run.sh" <<'RUN'
sec() { echo "@@FILE $1@@"; }
# %pK pointers (vmallocinfo) print raw for root only with kptr_restrict=1.
echo 1 >/proc/sys/kernel/kptr_restrict
for f in zoneinfo meminfo buddyinfo slabinfo iomem pagetypeinfo vmstat; do
	sec $f; cat /proc/$f
done
sec vmallocinfo; sort /proc/vmallocinfo
sec sysctl-vm
for f in /proc/sys/vm/*; do [ -r "$f" ] && echo "${f#/proc/sys/vm/} = $(cat "$f" 2>/dev/null | tr '\t\n' '  ' | sed 's/ *$//')"; done
sec dmesg-mem
dmesg | sed 's/^\[ *[0-9.]*\] //' | grep -iE 'zone|highmem|lowmem|memory|vmalloc|fixmap|pkmap|Normal|DMA|e820|reserve|pages|NX|PAE|mem '
sec cpuinfo; cat /proc/cpuinfo
sec uname; uname -a
sec cmdline; cat /proc/cmdline
RUN
"$ROOT/scripts/linux-oracle/fetch.sh" 2>/dev/null
for fl in 686 686-pae; do
	for m in $SIZES; do
		# Debian's 686-pae 6.1.0-50 oopses under qemu TCG at -m 4096 (the
		# 1 GB above 4 GB: a fault in kernel_init_pages while mem_init clears
		# highmem pages through kmap_local, CR2 in the fixmap); it never reaches init.
		if [ "$fl" = 686-pae ] && [ "$m" -gt 3584 ]; then
			echo "record-mem: skipping $fl -m $m (kernel oops at boot under TCG)" >&2
			continue
		fi
		dir=$GOLD/$fl/mem-${m}M
		echo "record-mem: $fl -m $m" >&2
		out=$(scripts/linux-oracle/boot.sh "$fl" "$m" "$PAY")
		rm -rf "$dir"
		mkdir -p "$dir"
		printf '%s\n' "$out" | awk -v d="$dir" '
			/^@@FILE .*@@$/ { f = d "/" substr($2, 1, length($2) - 2); next }
			f { print > f }'
		# cpuinfo is per flavour, not per size: keep one copy.
		mv "$dir/cpuinfo" "$GOLD/$fl/cpuinfo"
		mv "$dir/uname" "$GOLD/$fl/uname"
		mv "$dir/cmdline" "$GOLD/$fl/cmdline"
	done
done
"$ROOT/scripts/linux-oracle/summarize.sh"
