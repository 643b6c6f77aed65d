#!/bin/bash
# Zone sizes against the real kernel: for every configuration recorded under
# tests/golden/linux/<flavour>/mem-<N>M (Debian 6.1 686 / 686-pae under qemu), vmlab's
# zones must have exactly the same spanned and present pages, and LowTotal/HighTotal must
# be within 2% (the rest is the real kernel's own boot reservations: docs/kmem.md).
cd "$(dirname "$0")/../.." || exit 1
VMLAB=${VMLAB:-build/rel/vmlab}
GOLD=tests/golden/linux
n=0
zones() { awk '/^Node/{z=$4} /^ *spanned/{s=$2} /^ *present/{print z, s, $2}'; }
total() { awk -v k="$1:" '$1 == k {print $2}'; }
found=0
for dir in "$GOLD"/686/mem-*M "$GOLD"/686-pae/mem-*M; do
	[ -f "$dir/zoneinfo" ] && [ -f "$dir/meminfo" ] || continue
	found=1
	flavour=$(basename "$(dirname "$dir")")
	mem=${dir##*/mem-}
	paging=2level
	[ "$flavour" = 686-pae ] && paging=pae
	args="--mem=$mem --paging=$paging --no-demo"
	n=$((n + 1))
	ours=$("$VMLAB" kmem $args --proc=zoneinfo 2>&1)
	if [ $? -ne 0 ]; then
		echo "not ok $n - $flavour $mem: vmlab kmem $args failed"
		echo "$ours" | sed 's/^/# /'
		continue
	fi
	want=$(zones <"$dir/zoneinfo")
	got=$(echo "$ours" | zones)
	if [ "$want" = "$got" ]; then
		echo "ok $n - $flavour $mem: zone spanned/present pages as Linux ($(echo $got | tr '\n' ' '))"
	else
		echo "not ok $n - $flavour $mem: zone spanned/present pages differ"
		echo "# linux: $(echo $want)"
		echo "# vmlab: $(echo $got)"
	fi
	# watermarks follow min_free_kbytes (khugepaged's 5%-of-lowmem rule from 512 MB up, the
	# square-root rule below): within 6% or 8 pages (the managed-page difference)
	n=$((n + 1))
	wm() { awk '/^Node/{z=$4} /^ +min /{m=$2} /^ +low /{l=$2} /^ +high /{print z, m, l, $2}'; }
	bad=$(paste -d' ' <(wm <"$dir/zoneinfo") <(echo "$ours" | wm) | awk '{
		for (i = 2; i <= 4; i++) { d = $i - $(i + 4); if (d < 0) d = -d;
			if (d > 8 && d > 0.06 * $i) print $1 }}' | sort -u | tr '\n' ' ')
	if [ -z "$bad" ]; then
		echo "ok $n - $flavour $mem: zone watermarks min/low/high close to Linux's"
	else
		echo "not ok $n - $flavour $mem: watermarks of $bad differ from Linux's by more than 6%"
	fi
	mi=$("$VMLAB" kmem $args --proc=meminfo)
	for f in LowTotal HighTotal; do
		n=$((n + 1))
		w=$(total $f <"$dir/meminfo")
		g=$(echo "$mi" | total $f)
		if [ -z "$w" ] || [ -z "$g" ]; then
			echo "not ok $n - $flavour $mem: $f missing (linux '$w', vmlab '$g')"
		elif awk -v w="$w" -v g="$g" 'BEGIN { d = g - w; if (d < 0) d = -d; exit !(d <= 0.02 * w + 4) }'; then
			echo "ok $n - $flavour $mem: $f $g kB vs Linux $w kB (within 2%)"
		else
			echo "not ok $n - $flavour $mem: $f $g kB vs Linux $w kB (more than 2% apart)"
		fi
	done
done
if [ $found = 0 ]; then
	echo "ok 1 - zone sizes against Linux # SKIP no recordings under $GOLD (scripts/linux-oracle/record-mem.sh makes them)"
fi
