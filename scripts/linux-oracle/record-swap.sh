#!/bin/bash
# Records memory-pressure programs on the real i386 kernel with a swap disk: for each
# scenario one boot of scripts/linux-oracle/boot.sh (qemu -m 64; a virtio disk of the
# scenario's size that the initramfs makes the swap area, or none), the program's stdout
# and exit status ("exit=N") written to tests/golden/linux/FLAVOUR/swap/NAME.out, run as
# record-guest-golden.sh runs programs (cwd /tmp, env PATH=/bin, stderr dropped).
# tests/e2e/swap_oracle.sh runs the same under vmlab (--mem=64M --swap=SIZE) and compares.
# Usage: scripts/linux-oracle/record-swap.sh [686|686-pae [NAME...]]   (default 686, all)
set -euo pipefail
ROOT=$(cd "$(dirname "$0")/../.." && pwd)
cd "$ROOT"
FLAVOUR=${1:-686}
shift || true
ONLY=" $* "
OUT=tests/golden/linux/$FLAVOUR/swap
# NAME PROGRAM SWAP ARGS...: SWAP as boot.sh's ORACLE_SWAP_MB (N[:PRIO],...); working sets of 72 MB are 1.5 x MemTotal (about 48 MB at -m 64)
SCENARIOS=(
	"seq-72 swap_oracle 128 seq 72"
	"rand-72 swap_oracle 128 rand 72"
	"hot-72 swap_oracle 128 hot 72"
	"pageout-1024 swap_oracle 128 pageout 1024"
	"areas-72 swap_oracle 24:5,24:5,32 areas 72"
	"oom-victim swap_oom_victim 0"
	"oom-victim-swap swap_oom_victim 32"
)
make -s build/guest/swap_oracle-O2 build/guest/swap_oom_victim-O2 build/guest/swapctl-O2
mkdir -p "$OUT"
for sc in "${SCENARIOS[@]}"; do
	read -r name prog swap args <<<"$sc"
	[ "$ONLY" = "  " ] || [[ $ONLY == *" $name "* ]] || continue
	pay=$(mktemp -d)
	cp "build/guest/$prog-O2" "$pay/"
	cat >"$pay/run.sh" <<RUN
ulimit -s 8192
umask 022
{ (cd /tmp && exec env -i PATH=/bin /probe/$prog-O2 $args </dev/null >/tmp/.out 2>/dev/null); echo "exit=\$?" >>/tmp/.out; } 2>/dev/null
cat /tmp/.out
RUN
	ORACLE_SWAP_MB=$swap ORACLE_TIMEOUT=${ORACLE_TIMEOUT:-900} \
		scripts/linux-oracle/boot.sh "$FLAVOUR" 64 "$pay" >"$OUT/$name.out"
	rm -rf "$pay"
	echo "record-swap: $OUT/$name.out" >&2
done
