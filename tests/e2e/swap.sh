#!/bin/bash
# Memory pressure (docs/swap.md): working sets larger than --mem with --swap (sequential,
# random, a hot-set loop, fork-shared pages, 2-level and PAE, host memory and a sparse host
# file) finish with intact data and page (major faults, pswpout, mincore); the OOM killer
# ends a child that exceeds RAM + swap while its parent lives, with and without swap;
# /proc/swaps, meminfo and vmstat; each --reclaim policy on the reference program gives what
# its definition says; runs are deterministic; an integrity stress over every policy (short
# here, longer with VMLAB_SOAK=1); writing oom_score_adj unprivileged; several areas on the
# command line; swapon/swapoff from the guest on files under --rw (its own program and
# busybox). The comparison with the real kernel is tests/e2e/swap_oracle.sh.
# TAP. Needs build/guest (make guests).
cd "$(dirname "$0")/../.."
ROOT=$PWD
VMLAB=${VMLAB:-$ROOT/build/rel/vmlab}
G=$ROOT/build/guest
n=0
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
ok() { n=$((n + 1)); if [ "$1" = 0 ]; then echo "ok $n - $2"; else echo "not ok $n - $2"; fi; }
run() { # opts... -- bin args... -> $tmp/out, $tmp/err, $tmp/rc
	(cd /tmp && exec env -i PATH=/bin timeout -s KILL 300 "$VMLAB" run "$@" </dev/null) \
		>"$tmp/out" 2>"$tmp/err"
	echo $? >"$tmp/rc"
}
stat_of() { # counter name from --stats text in $tmp/err
	awk -v k="$1" '$1 == k { print $2 }' "$tmp/err"
}
for b in swap_workset swap_oom swap_policy swap_pageout swap_smaps swap_oomadj swap_swapon; do
	if [ ! -x "$G/$b-O2" ]; then
		echo "1..0 # SKIP guest programs not built (make guests)"
		exit 0
	fi
done
soak=${VMLAB_SOAK:-0}
echo "1..30"
# The sanitizer build runs a smaller machine and skips the repetitions (kept under a minute).
san=0
[ "$VMLAB_BUILD" = san ] && san=1
MEM=48M WS=48 PM=12000 PK=3
[ $san = 1 ] && MEM=32M WS=40 PM=9000 PK=2
WSP=$((WS * 256))
skip_san() { # label: true (and a SKIP line) when this test is left to the release build
	[ $san = 1 ] || return 1
	n=$((n + 1))
	echo "ok $n - # SKIP under the sanitizer build: $1"
}

intact() { # label expected-first-line
	local r=1
	[ "$(cat "$tmp/rc")" = 0 ] && grep -qx "$2" "$tmp/out" &&
		grep -qx "major faults: yes" "$tmp/out" && grep -qx "pswpout: yes" "$tmp/out" &&
		grep -qx "mincore non-resident pages: yes" "$tmp/out" && r=0
	[ $r = 0 ] || { cat "$tmp/out" "$tmp/err" | sed 's/^/# /' | head -20; }
	ok $r "$1"
}

# 1-3: a working set of 1.5x RAM, three access patterns
run --mem=$MEM --swap=64M -- "$G/swap_workset-O2" $WS seq 2
intact "sequential working set > RAM: data intact, major faults, pswpout, mincore" \
	"seq $WSP pages, 2 rounds: data intact"
if ! skip_san "random working set"; then
	run --mem=$MEM --swap=64M -- "$G/swap_workset-O0" $WS rand 2
	intact "random working set > RAM (-O0)" "rand $WSP pages, 2 rounds: data intact"
fi
if ! skip_san "hot-set loop"; then
	run --mem=$MEM --swap=64M -- "$G/swap_workset-O2" $WS hot 1
	intact "hot-set loop over a working set > RAM" "hot $WSP pages, 1 rounds: data intact"
fi

# 4-5: fork-shared pages, swapped out of both processes through rmap; PAE
run --mem=$MEM --swap=64M -- "$G/swap_workset-O2" $WS seq 1 1
r=1
grep -qx "child: data intact" "$tmp/out" && grep -qx "child exit 0" "$tmp/out" && r=0
[ $r = 0 ] && intact "fork-shared pages: child and parent data intact" \
	"seq $WSP pages, 1 rounds: data intact" || ok 1 "fork-shared pages"
run --mem=$MEM --swap=64M --paging=pae -- "$G/swap_workset-O2" $WS seq 1 1
intact "PAE (swap entries in 64-bit PTEs), fork-shared" "seq $WSP pages, 1 rounds: data intact"

# 6: the swap area in a sparse host file
run --mem=$MEM --swap=64M --swap-file="$tmp/swapfile" -- "$G/swap_workset-O2" $WS seq 1
r=1
size=$(stat -c %s "$tmp/swapfile" 2>/dev/null)
[ "$size" = $((64 << 20)) ] && head -c 4096 "$tmp/swapfile" | tail -c 10 | grep -q SWAPSPACE2 && r=0
[ $r = 0 ] && intact "--swap-file: a 64M sparse file with the mkswap header" \
	"seq $WSP pages, 1 rounds: data intact" || ok 1 "--swap-file"

# 7-8: --stats lines, and determinism (same output, same statistics)
if [ $san = 1 ]; then
	skip_san "--stats"
	skip_san "determinism"
else
run --mem=48M --swap=64M --stats -- "$G/swap_workset-O2" 48 rand 1
cp "$tmp/out" "$tmp/out1"
grep -v "^vmlab: \|^wall time: " "$tmp/err" >"$tmp/err1"
r=1
grep -q "^swap: major faults [1-9][0-9]*, swap-ins [1-9]" "$tmp/err" &&
	grep -q "pages written [1-9]" "$tmp/err" &&
	grep -q "^reclaim: scanned [1-9][0-9]* (kswapd" "$tmp/err" &&
	grep -q "stolen [1-9]" "$tmp/err" && grep -q "kswapd wakeups [1-9]" "$tmp/err" &&
	grep -q "^reclaim: policy linux; swap 65532 kB, peak use [1-9]" "$tmp/err" && r=0
ok $r "--stats: major faults, swap in/out, scanned/stolen, kswapd wakeups, peak swap"
run --mem=48M --swap=64M --stats -- "$G/swap_workset-O2" 48 rand 1
grep -v "^vmlab: \|^wall time: " "$tmp/err" >"$tmp/err2"
cmp -s "$tmp/out" "$tmp/out1" && cmp -s "$tmp/err1" "$tmp/err2"
ok $? "deterministic: the same run twice gives the same output and statistics"
fi

# 9-10: the OOM killer, with swap and without
oom() { # label opts...
	local label=$1
	shift
	run "$@" -- "$G/swap_oom-O2" 256
	local r=1
	[ "$(cat "$tmp/rc")" = 0 ] && grep -qx "child killed by signal 9" "$tmp/out" &&
		grep -qx "oom_kill count went up by 1" "$tmp/out" && grep -qx "parent alive" "$tmp/out" &&
		grep -qx "oom_score_adj 0" "$tmp/out" && grep -qx "oom_score in \[0, 1000\]: yes" "$tmp/out" &&
		grep -q "^Out of memory: Killed process 1001 (swap_oom-O2) total-vm:[0-9]*kB, anon-rss:[0-9]*kB, file-rss:[0-9]*kB, shmem-rss:0kB, UID:[0-9]* pgtables:[0-9]*kB oom_score_adj:0$" "$tmp/err" &&
		r=0
	[ $r = 0 ] || { cat "$tmp/out" "$tmp/err" | sed 's/^/# /' | head -20; }
	ok $r "$label"
}
oom "OOM: a child beyond RAM + swap gets SIGKILL, the parent lives, oom_kill counted" \
	--mem=48M --swap=32M
skip_san "OOM without swap" || oom "OOM without swap: the same with RAM alone" --mem=48M

# 11: without swap (overcommit always: the heuristic would refuse the mmap), a working set
# > RAM cannot page: the OOM killer ends it
run --mem=$MEM --overcommit=1 -- "$G/swap_workset-O2" $WS seq 1
r=1
[ "$(cat "$tmp/rc")" = 137 ] && grep -q "^Out of memory: Killed process 1000 (swap_workset-O2)" "$tmp/err" && r=0
ok $r "no swap: a working set > RAM is OOM-killed (status 137)"

# 12: /proc/swaps, meminfo, vmstat as the guest sees them
BUSYBOX=$("$ROOT/scripts/get-busybox.sh" 2>/dev/null) || BUSYBOX=
if [ -n "$BUSYBOX" ]; then
	run --mem=48M --swap=64M -- "$BUSYBOX" sh -c 'cat /proc/swaps; grep Swap /proc/meminfo; grep -E "^(pswpin|pswpout|oom_kill) " /proc/vmstat'
	printf 'Filename\t\t\t\tType\t\tSize\t\tUsed\t\tPriority\n/dev/vda                                partition\t65532\t\t0\t\t-2\nSwapCached:            0 kB\nSwapTotal:         65532 kB\nSwapFree:          65532 kB\npswpin 0\npswpout 0\noom_kill 0\n' >"$tmp/exp"
	cmp -s "$tmp/out" "$tmp/exp"
	ok $? "/proc/swaps, SwapTotal/SwapFree/SwapCached, vmstat pswpin/pswpout/oom_kill"
else
	n=$((n + 1))
	echo "ok $n - # SKIP busybox-static:i386 not available"
fi

# 13: MADV_PAGEOUT swaps a private page out at once, not a fork-shared one. The four pages
# in slots 1-4 come back in three major faults: swap readahead (swapin_nr_pages) reads one
# slot for the first, the aligned pair 2-3 for the second (next to the first), and 4-7 for
# the fourth (a readahead hit widened the window).
run --mem=$MEM --swap=16M -- "$G/swap_pageout-O2"
printf 'written: 11111111\nMADV_COLD: OK\nafter MADV_COLD: 11111111\nMADV_PAGEOUT: OK\nafter MADV_PAGEOUT of 4: 00001111\ndata intact, major faults 3\ntouched again: 11111111\nMADV_PAGEOUT (shared): OK\nshared after MADV_PAGEOUT: 11111111\n' >"$tmp/exp"
cmp -s "$tmp/out" "$tmp/exp"
ok $? "MADV_PAGEOUT: private pages swapped out at once (mincore 0), back as major faults; shared ones stay"

# 14-21: the reference program. M = 12000 pages looped K = 3 times on 48M (about 8000
# frames for the program): rounds 2 and 3 access 24000 pages (the sanitizer build: 9000
# pages twice on 32M, 9000 accesses).
#   lru, fifo, clock: every access misses: 24000 (the next page is always the oldest; with
#   every page referenced clock turns as FIFO).
#   with a hot page touched before every access: lru and clock never lose it (0 hot
#   misses: it is the most recent at every choice; its bit is set whenever the hand comes);
#   fifo loses it whenever it is the oldest (at least once in 24000 replacements of about
#   8000 frames); the loop still misses 24000 times under all three.
#   random: some accesses find their page (fewer than 24000 misses).
policy() { # policy hot -> sets loop, hot, maj
	run --mem=$MEM --swap=64M --reclaim="$1" -- "$G/swap_policy-O2" $PM $PK "$2"
	loop=$(awk '/^loop misses/ { print $3 }' "$tmp/out")
	hot=$(awk '/^hot misses/ { print $3 }' "$tmp/out")
	maj=$(awk '/^majflt/ { print $2 }' "$tmp/out")
	grep -qx "data intact" "$tmp/out" || loop=corrupt
	echo "# --reclaim=$1 hot=$2: loop misses $loop, hot misses $hot, major faults $maj"
}
E=$(((PK - 1) * PM))
for p in lru clock; do
	if ! skip_san "--reclaim=$p without a hot page"; then
		policy $p 0
		[ "$loop" = $E ] && [ "$hot" = 0 ]
		ok $? "--reclaim=$p: a loop over more pages than frames misses on every access ($E)"
	fi
	policy $p 1
	[ "$loop" = $E ] && [ "$hot" = 0 ]
	ok $? "--reclaim=$p: the hot page is never evicted (0 misses), the loop still $E"
done
if ! skip_san "--reclaim=fifo without a hot page"; then
	policy fifo 0
	[ "$loop" = $E ]
	ok $? "--reclaim=fifo: the loop misses on every access ($E)"
fi
policy fifo 1
[ "$loop" = $E ] && [ "$hot" -ge 1 ]
ok $? "--reclaim=fifo: the hot page is evicted when it is the oldest (>= 1 miss)"
if ! skip_san "--reclaim=random"; then
	policy random 0
	[ "$loop" != corrupt ] && [ "$loop" -lt $E ] && [ "$loop" -gt 0 ]
	ok $? "--reclaim=random: some pages survive a turn (0 < misses < $E)"
fi
if ! skip_san "--reclaim=linux"; then
	policy linux 0
	[ "$loop" != corrupt ] && [ "$loop" -gt 0 ]
	ok $? "--reclaim=linux: the reference program pages with intact data"
fi

# 21-24: integrity stress: a fork-shared working set of 2x RAM under every policy; longer
# and larger with VMLAB_SOAK=1
mb=64
rounds=1
if [ "$soak" = 1 ]; then
	mb=128
	rounds=3
fi
for p in fifo lru clock random; do
	[ $san = 1 ] && [ $p != clock ] && skip_san "integrity under $p" && continue
	[ $san = 1 ] && mb=48
	run --mem=$MEM --swap=160M --reclaim=$p -- "$G/swap_workset-O2" $mb rand $rounds 1
	r=1
	grep -qx "child: data intact" "$tmp/out" &&
		grep -qx "rand $((mb * 256)) pages, $rounds rounds: data intact" "$tmp/out" &&
		[ "$(cat "$tmp/rc")" = 0 ] && r=0
	ok $r "integrity: ${mb}M fork-shared random working set on $MEM, --reclaim=$p"
done

# 26: smaps counts swap entries: Swap, and SwapPss divided by the slot's references (a fork
# duplicates them)
run --mem=$MEM --swap=16M -- "$G/swap_smaps-O2"
printf 'MADV_PAGEOUT: OK\nparent: Rss 8 Pss 8 Swap 8 SwapPss 8 kB\nchild: Rss 8 Pss 4 Swap 8 SwapPss 4 kB\nparent after the child exited: Rss 8 Pss 8 Swap 8 SwapPss 8 kB\n' >"$tmp/exp"
cmp -s "$tmp/out" "$tmp/exp"
ok $? "smaps: Swap counts swapped-out pages, SwapPss halves when a fork shares their slots"

# 27: oom_score_adj without CAP_SYS_RESOURCE: vmlab run by an unprivileged host user (whose
# guest then has no capabilities) refuses what the native kernel refuses a non-root process:
# lowering oom_score_adj below the floor, oom_adj below the current value (the root part,
# swap_oomadj without an argument, is compared with the i386 kernel by run_guest.sh)
if [ "$(id -u)" != 0 ] || ! command -v setpriv >/dev/null; then
	n=$((n + 1))
	echo "ok $n - # SKIP needs root and setpriv to run as nobody"
else
	as_nobody() { (cd /tmp && exec setpriv --reuid=65534 --regid=65534 --clear-groups env -i PATH=/bin "$@" </dev/null 2>/dev/null); }
	as_nobody "$G/swap_oomadj-O2" unpriv >"$tmp/exp"
	as_nobody "$VMLAB" run -- "$G/swap_oomadj-O2" unpriv >"$tmp/out"
	r=1
	grep -q EACCES "$tmp/exp" && cmp -s "$tmp/out" "$tmp/exp" && r=0
	[ $r = 0 ] || diff "$tmp/exp" "$tmp/out" | sed 's/^/# /' | head -10
	ok $r "oom_score_adj/oom_adj unprivileged: the floor and the legacy rule as the native kernel's"
fi

# 28: --swap=SIZE:PRIO: the priority is swapon's (0-32767); more than 8 areas are refused
r=0
for bad in "--swap=16M:32768" "--swap=16M:-1" "--swap=16M:x"; do
	"$VMLAB" run --mem=$MEM $bad -- "$G/swap_smaps-O2" >/dev/null 2>"$tmp/err" && r=1
	grep -q "bad --swap" "$tmp/err" || r=1
done
nine=()
for i in 1 2 3 4 5 6 7 8 9; do nine+=(--swap=64K); done
"$VMLAB" run --mem=$MEM "${nine[@]}" -- "$G/swap_smaps-O2" >/dev/null 2>"$tmp/err" && r=1
grep -q "at most 8 areas" "$tmp/err" || r=1
ok $r "--swap=SIZE:PRIO: out-of-range priorities and a ninth area are refused"

# 29: swapon/swapoff on files the program prepared under --rw (tests/guest/swap_swapon.c):
# the header checks, priorities, equal ones in turn, /proc/swaps, swapoff bringing pages back
# or failing with ENOMEM; the expected lines follow from the definitions in docs/swap.md
mkdir -p "$tmp/rw"
(cd "$tmp/rw" && exec env -i PATH=/bin timeout -s KILL 120 "$VMLAB" run --mem=48M --rw "$tmp/rw" \
	-- "$G/swap_swapon-O2" 46 </dev/null >"$tmp/out" 2>"$tmp/err")
printf 'swapon without the magic: EINVAL\nswapon version 2: EINVAL\nswapon last_page past the end: EINVAL\nswapon with a bad page: EINVAL\nswapon last_page 0: EINVAL\nswapon with holes: EINVAL\nswapon a directory: EISDIR\nswapon a missing file: ENOENT\nswapon unknown flags: EINVAL\nswapon sw-c (automatic priority): 0\nswapon sw-d (automatic priority): 0\nswapon sw-a, priority 5: 0\nswapon sw-a again: EBUSY\nswapon sw-b, priority 5: 0\nfour areas:\n  sw-c file size 1020 prio -2\n  sw-d file size 1020 prio -3\n  sw-a file size 8188 prio 5\n  sw-b file size 8188 prio 5\nswapoff sw-c: 0\nsw-c gone, sw-d moved up:\n  sw-d file size 1020 prio -2\n  sw-a file size 8188 prio 5\n  sw-b file size 8188 prio 5\nswapoff sw-c again: EINVAL\nswapoff a file that is no swap area: EINVAL\nafter the fill:\n  sw-d file size 1020 prio -2\n  sw-a file size 8188 prio 5\n  sw-b file size 8188 prio 5\nsw-a and sw-b in use, within one batch of 64 slots: yes\nsw-d unused: yes\nswapoff sw-b (its pages do not fit): ENOMEM\nafter the failed swapoff:\n  sw-d file size 1020 prio -2\n  sw-a file size 8188 prio 5\n  sw-b file size 8188 prio 5\ndata: intact\nswapoff sw-a: 0\nsw-a gone:\n  sw-d file size 1020 prio -2\n  sw-b file size 8188 prio 5\ndata: intact\nswapoff sw-b: 0\nswapoff sw-d: 0\nnone left:\ndata: intact\n' >"$tmp/exp"
r=1
cmp -s "$tmp/out" "$tmp/exp" && r=0
[ $r = 0 ] || diff "$tmp/exp" "$tmp/out" | sed 's/^/# /' | head -10
ok $r "guest swapon/swapoff on files: header checks, priorities, round robin, swapoff and its ENOMEM"

# 30: busybox mkswap, swapon and swapoff on a file under --rw
B=$ROOT/build/busybox/bin/busybox
if [ ! -x "$B" ]; then
	n=$((n + 1))
	echo "ok $n - # SKIP busybox not fetched (build/busybox)"
else
	rm -f "$tmp/rw/sf"
	(cd "$tmp/rw" && exec env -i PATH=/bin timeout -s KILL 60 "$VMLAB" run --mem=48M --rw "$tmp/rw" \
		-- "$B" sh -c 'dd if=/dev/zero of=sf bs=1M count=4 2>/dev/null && mkswap sf >/dev/null &&
		swapon sf && tail -n +2 /proc/swaps && swapoff sf && echo off && tail -n +2 /proc/swaps' \
		</dev/null >"$tmp/out" 2>"$tmp/err")
	r=1
	grep -q "^$tmp/rw/sf  *file		4092		0		-2\$" "$tmp/out" && [ "$(tail -1 "$tmp/out")" = off ] && r=0
	[ $r = 0 ] || cat "$tmp/out" "$tmp/err" | sed 's/^/# /' | head -10
	ok $r "busybox mkswap/swapon/swapoff on a file: listed in /proc/swaps as a file, then gone"
fi
