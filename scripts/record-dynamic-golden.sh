#!/bin/bash
# Records what the dynamically linked test programs print on Debian's real i386 6.1 kernel
# (686 and 686-pae under qemu, scripts/linux-oracle/boot.sh, norandmaps):
#   tests/golden/linux/dynamic/FLAVOUR/NAME.out   stdout of /probe/NAME raw, then exit=N
#   tests/golden/linux/dynamic/SHA256SUMS          the binaries and libraries recorded with
# The programs are build/dynguest/dyn_startup-{pie,nopie,spie} (make guests) with Debian's
# i386 ld.so, libc and libm (scripts/debian-root.sh libc6) installed in the initramfs as
# /lib/i386-linux-gnu and /lib/ld-linux.so.2, run as /probe/NAME from /tmp with the
# environment PATH=/bin and an 8 MB stack. The device and inode columns of the maps lines are
# replaced by "DEV INO" (they name the initramfs's files). tests/e2e/dynamic.sh runs the same
# binaries under vmlab in a root of the same layout (build/dynroot) and compares.
# Usage: scripts/record-dynamic-golden.sh
set -euo pipefail
ROOT=$(cd "$(dirname "$0")/.." && pwd)
cd "$ROOT"
OUT=tests/golden/linux/dynamic
progs="dyn_startup-pie dyn_startup-nopie dyn_startup-spie"
make -s guests
scripts/debian-root.sh libc6 >&2
pay=$(mktemp -d)
trap 'rm -rf "$pay"' EXIT
mkdir -p "$pay/lib"
for l in ld-linux.so.2 libc.so.6 libm.so.6; do
	cp -L "build/debroot/lib/i386-linux-gnu/$l" "$pay/lib/$l"
done
for p in $progs; do cp "build/dynguest/$p" "$pay/$p"; done
cat >"$pay/run.sh" <<RUN
mkdir -p /lib/i386-linux-gnu
cp /probe/lib/* /lib/i386-linux-gnu/
ln -s i386-linux-gnu/ld-linux.so.2 /lib/ld-linux.so.2
ulimit -s 8192
umask 022
for b in $progs; do
	{ (cd /tmp && exec env -i PATH=/bin /probe/\$b raw </dev/null >/tmp/.out 2>/dev/null); echo "exit=\$?" >>/tmp/.out; } 2>/dev/null
	echo "@@PROG \$b@@"
	cat /tmp/.out
	rm -f /tmp/.out
done
RUN
normalize() { sed -E 's/^(raw [0-9a-f]+-[0-9a-f]+ [-rwxps]{4} [0-9a-f]{8}) [0-9a-f]{2}:[0-9a-f]{2} [0-9]+ +/\1 DEV INO /; s/^(raw [0-9a-f]+-[0-9a-f]+ [-rwxps]{4} [0-9a-f]{8}) [0-9a-f]{2}:[0-9a-f]{2} [0-9]+$/\1 DEV INO/'; }
for flavour in 686 686-pae; do
	mkdir -p "$OUT/$flavour"
	all=$(mktemp)
	ORACLE_TIMEOUT=${ORACLE_TIMEOUT:-900} scripts/linux-oracle/boot.sh "$flavour" 1024 "$pay" >"$all"
	for p in $progs; do
		awk -v want="@@PROG $p@@" '$0 == want { on = 1; next } /^@@PROG / { on = 0 } on' "$all" |
			normalize >"$OUT/$flavour/$p.out"
		[ -s "$OUT/$flavour/$p.out" ] || { echo "record-dynamic-golden: no output for $p ($flavour)" >&2; exit 1; }
	done
	rm -f "$all"
done
(cd "$pay" && sha256sum lib/* $progs) >"$OUT/SHA256SUMS"
echo "record-dynamic-golden: $OUT written" >&2
