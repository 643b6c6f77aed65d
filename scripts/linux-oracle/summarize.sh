#!/bin/bash
# Condenses the recorded /proc files into tests/golden/linux/summary.txt: per
# flavour and RAM size, the meminfo totals and each zone's first pfn, spanned/
# present/managed pages, watermarks and lowmem_reserve protection. One line
# per zone, for tests that compare vmlab's zones with Linux's.
# Usage: scripts/linux-oracle/summarize.sh   (after record-mem.sh)
set -euo pipefail
cd "$(dirname "$0")/../../tests/golden/linux"
{
	echo "# flavour mem_MB | MemTotal LowTotal HighTotal VmallocTotal (kB)"
	echo "#   zone start_pfn spanned present managed min low high protection(...)"
	for d in $(for fl in 686 686-pae; do ls -d "$fl"/mem-*M | sort -t- -k2n; done); do
		[ -f "$d/zoneinfo" ] || continue
		fl=${d%%/*} mb=${d#*/mem-}
		mb=${mb%M}
		printf '%s %s |' "$fl" "$mb"
		for k in MemTotal LowTotal HighTotal VmallocTotal; do
			awk -v k="$k:" '$1 == k { printf " %s", $2 }' "$d/meminfo"
		done
		echo
		awk '
			/^Node [0-9]+, zone/ { if (z != "") out(); z = $4; sp = pr = ma = mi = lo = hi = st = prot = "" }
			$1 == "spanned" { sp = $2 } $1 == "present" { pr = $2 } $1 == "managed" { ma = $2 }
			$1 == "min" { mi = $2 } $1 == "low" { lo = $2 } $1 == "high" && NF == 2 { hi = $2 }
			$1 == "protection:" { prot = $0; sub(/^ *protection: */, "", prot) }
			$1 == "start_pfn:" { st = $2 }
			function out() { printf "  %-8s %7s %7s %7s %7s %6s %6s %6s %s\n", z, st, sp, pr, ma, mi, lo, hi, prot }
			END { if (z != "") out() }' "$d/zoneinfo"
	done
} >summary.txt
