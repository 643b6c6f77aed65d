#!/bin/bash
# Swap for shmem pages (docs/swap.md "shmem pages", docs/ipc.md): tests/guest/shm_swap.c
# writes a SysV segment and a shared anonymous mapping (24 MB each) from two processes on a
# machine that leaves the program about 34.5 MB, then verifies every byte; a SHM_LOCK'd
# segment stays resident meanwhile. Its yes/no lines state what the definitions give (every
# segment page resident or swapped, smaps Swap, Shmem, pswpin covering the pages swapped,
# SHM_LOCK/SHM_UNLOCK moving pages to and from the unevictable list); they must all hold
# and equal the real kernel's (tests/golden/linux/686/swap/shm-24.out, recorded by
# scripts/linux-oracle/record-swap.sh at -m 64 with a 128 MB virtio swap disk; vmlab runs
# --mem=50M as swap_oracle.sh explains). The counts that depend on timing inside Linux are
# compared as ranges (RANGE below). Then swapoff of a guest swap file brings every shmem
# page back (try_to_unuse walking the shmem objects), and the run is deterministic.
# TAP. Needs build/guest (make guests).
cd "$(dirname "$0")/../.."
ROOT=$PWD
VMLAB=${VMLAB:-$ROOT/build/rel/vmlab}
G=$ROOT/build/guest
GOLD=$ROOT/tests/golden/linux/686/swap/shm-24.out
n=0
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
ok() { n=$((n + 1)); if [ "$1" = 0 ]; then echo "ok $n - $2"; else echo "not ok $n - $2"; fi; }
if [ ! -x "$G/shm_swap-O2" ]; then
	echo "1..0 # SKIP guest programs not built (make guests)"
	exit 0
fi
echo "1..7"
run() { # dir opts... -> stdout with "exit=N" appended, as the oracle records it
	local d=$1
	shift
	(cd "$d" && exec env -i PATH=/bin timeout -s KILL 120 "$VMLAB" run "$@" </dev/null 2>"$tmp/err")
	echo "exit=$?"
}
run /tmp --mem=50M --swap=128M --thp=never -- "$G/shm_swap-O2" 24 >"$tmp/out"

# 1: every stated rule holds under vmlab
r=0
grep -q '^exit=0$' "$tmp/out" || r=1
grep -E ': (no|CORRUPT)$' "$tmp/out" | sed 's/^/# /'
grep -qE ': (no|CORRUPT)$' "$tmp/out" && r=1
[ "$(grep -c ': yes$' "$tmp/out")" = 18 ] || r=1
ok $r "shmem swap: data intact from two writers, shm_rss + shm_swp, smaps Swap, Shmem, SHM_LOCK/UNLOCK"

# 2: the same lines as the real kernel, exactly (counts aside)
if [ ! -f "$GOLD" ]; then
	n=$((n + 1))
	echo "ok $n - # SKIP no golden $GOLD"
	n=$((n + 1))
	echo "ok $n - # SKIP no golden"
else
	# KNOWN: the oracle's Shmem also counts its initramfs (rootfs on tmpfs: 3652 kB at the
	# start, swap-backed too, and partly swapped out under this pressure: the recordings'
	# shmem_excess_kb is -620 to -624), so its Shmem line is not compared there; vmlab has no such
	# pages and its line must hold exactly (test 1)
	# TIMING: SHM_UNLOCK's rescue (check_move_unevictable_folios) skips pages that are off
	# the LRU at that moment; one recording of four said "no" to both rescue lines (the
	# counts were not printed then: the cause is not pinned down), the golden's says
	# rescued 256: the lines must hold under vmlab (test 1), here they are shown, not compared
	r=0
	known='^(count |Shmem = |unlocked pages rescued|Unevictable shrank)'
	diff <(grep -vE "$known" "$GOLD") <(grep -vE "$known" "$tmp/out") >"$tmp/d" || r=1
	echo "# known difference: Shmem on the oracle counts its tmpfs initramfs: oracle '$(grep '^Shmem = ' "$GOLD")', vmlab '$(grep '^Shmem = ' "$tmp/out")'"
	for k in rescued unevictable_shrank_kb culled; do
		echo "# timing-dependent on the oracle: $k: oracle $(awk -v k="$k" '$2 == k { print $3 }' "$GOLD"), vmlab $(awk -v k="$k" '$2 == k { print $3 }' "$tmp/out")"
	done
	sed 's/^/# /' "$tmp/d" | head -10
	ok $r "shmem swap: every rule and result as on the real i386 kernel with a swap disk"

	# 3: RANGE, allowed difference and why it varies on the oracle:
	#  swapped  50%: the pages in swap when the reading pass starts: kswapd's timing (five
	#               recordings gave 4693 to 6118)
	#  pswpout  15%: the writes of both passes; kswapd's batches
	#  pswpin   15%: the pages read back (at least those swapped, plus the second pass's)
	#  majflt   30%: one per readahead cluster, broken when a readahead page goes first
	r=0
	for spec in swapped:50 pswpout:15 pswpin:15 majflt:30; do
		k=${spec%%:*} pct=${spec#*:}
		a=$(awk -v k="$k" '$1 == "count" && $2 == k { print $3 }' "$GOLD")
		b=$(awk -v k="$k" '$1 == "count" && $2 == k { print $3 }' "$tmp/out")
		if [ -z "$a" ] || [ -z "$b" ] || [ $((b * 100)) -lt $((a * (100 - pct))) ] ||
			[ $((b * 100)) -gt $((a * (100 + pct))) ]; then
			r=1
		fi
		echo "# $k: oracle $a, vmlab $b (allowed $pct%)"
	done
	ok $r "shmem swap: swap-outs, swap-ins and major faults within the stated ranges of the oracle's"
fi

# 4: swapoff of a guest swap file brings every shmem page back (shmem_unuse)
mkdir -p "$tmp/rw"
run "$tmp/rw" --mem=32M --thp=never --rw "$tmp/rw" -- "$G/shm_swap-O2" 10 swapoff >"$tmp/out2"
r=0
grep -q '^exit=0$' "$tmp/out2" || r=1
grep -qE ': (no|CORRUPT)$' "$tmp/out2" && r=1
grep -q '^swapoff: 0$' "$tmp/out2" || r=1
grep -q '^after swapoff nothing swapped: yes$' "$tmp/out2" || r=1
grep -q '^data after swapoff: intact$' "$tmp/out2" || r=1
[ $r = 0 ] || grep -vE ': (yes|intact|0)$' "$tmp/out2" | sed 's/^/# /' | head -10
ok $r "swapoff brings the segment's swapped pages back; a freed shared mapping frees its slots"

# 5: without swap nothing can take the shmem pages: the OOM killer's badness counts them
# in the RSS of each process that maps them (shmem-rss), so the child that wrote half of
# both regions goes first; killing it frees none of them (the segment and the parent's
# mapping hold them), and the parent, faulting next, is killed in turn
run /tmp --mem=32M --thp=never -- "$G/shm_swap-O2" 16 >"$tmp/out4"
r=0
grep -q '^exit=137$' "$tmp/out4" || r=1
first=$(grep -m1 '^Out of memory: Killed process' "$tmp/err")
echo "$first" | grep -q 'Killed process 1001 ' || r=1
kb=$(echo "$first" | sed -n 's/.*shmem-rss:\([0-9]*\)kB.*/\1/p')
[ -n "$kb" ] && [ "$kb" -gt 8192 ] || r=1
[ "$(grep -c '^Out of memory: Killed process' "$tmp/err")" = 2 ] || r=1
[ $r = 0 ] || sed 's/^/# /' "$tmp/err" | head -5
ok $r "no swap: the OOM killer takes the child by its shmem-rss, then the parent; the segments stay"

# 6: the same without swap on the oracle's machine (shm-oom-24.out, -m 64 and no disk): the
# child's half fits, the parent's faults find no page, and the parent, which maps the most
# shmem, is killed: the same lines up to the kill, then exit=137
GOLD2=$ROOT/tests/golden/linux/686/swap/shm-oom-24.out
if [ ! -s "$GOLD2" ]; then
	n=$((n + 1))
	echo "ok $n - # SKIP no golden $GOLD2"
else
	run /tmp --mem=50M --thp=never -- "$G/shm_swap-O2" 24 >"$tmp/out5"
	r=0
	diff "$GOLD2" "$tmp/out5" >"$tmp/d" || r=1
	sed 's/^/# /' "$tmp/d" | head -10
	grep -q '^Out of memory: Killed process 1000 ' "$tmp/err" || r=1
	ok $r "no swap, against the oracle: the parent killed at the same point, exit 137"
fi

# 7: deterministic
run /tmp --mem=50M --swap=128M --thp=never -- "$G/shm_swap-O2" 24 >"$tmp/out3"
r=0
cmp -s "$tmp/out" "$tmp/out3" || r=1
ok $r "shmem swap runs are deterministic"
