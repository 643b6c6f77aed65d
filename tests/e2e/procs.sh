#!/bin/bash
# Many processes under vmlab, beyond the goldens of run_guest.sh: the deadlock report (real
# Linux would hang), determinism (same run twice: same output and statistics), the time
# slice changing the interleaving but not the output, and the scheduler's counters.
# TAP. Needs build/guest (make guests).
cd "$(dirname "$0")/../.."
ROOT=$PWD
VMLAB=${VMLAB:-$ROOT/build/rel/vmlab}
G=$ROOT/build/guest
n=0
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
ok() { n=$((n + 1)); if [ "$1" = 0 ]; then echo "ok $n - $2"; else echo "not ok $n - $2"; fi; }
run() { # bin opts... -> $tmp/out, $tmp/err, $tmp/rc
	local bin=$1
	shift
	(cd /tmp && exec env -i PATH=/bin timeout -s KILL 120 "$VMLAB" run "$@" -- "$bin" </dev/null) \
		>"$tmp/out" 2>"$tmp/err"
	echo $? >"$tmp/rc"
}
if [ ! -x "$G/proc_deadlock-O2" ] || [ ! -x "$G/proc_pipe-O2" ]; then
	echo "1..0 # SKIP guest programs not built (make guests)"
	exit 0
fi
echo "1..9"

run "$G/proc_deadlock-O2"
r=1
[ "$(cat "$tmp/rc")" = 137 ] && grep -q "every task is blocked" "$tmp/err" &&
	grep -q "pid 1000 (proc_deadlock-O2) reads an empty pipe" "$tmp/err" &&
	grep -q "pid 1001 (proc_deadlock-O2) waits for a signal" "$tmp/err" &&
	[ "$(cat "$tmp/out")" = "parent reads" ] && r=0
ok $r "deadlock: the run ends, naming each task and what it waits for"
[ $r = 0 ] || sed 's/^/# /' "$tmp/err" | head -5

run "$G/proc_stopdeadlock-O2"
r=1
[ "$(cat "$tmp/rc")" = 137 ] && grep -q "every task is blocked" "$tmp/err" &&
	grep -q "pid 1000 (proc_stopdeadlock-O2) waits for a child" "$tmp/err" &&
	grep -q "pid 1001 (proc_stopdeadlock-O2) is stopped by SIGSTOP" "$tmp/err" &&
	[ "$(cat "$tmp/out")" = "parent waits" ] && r=0
ok $r "deadlock: a stopped task nobody continues is named as stopped"
[ $r = 0 ] || sed 's/^/# /' "$tmp/err" | head -5

run "$G/proc_pipe-O2" --stats=json
cp "$tmp/out" "$tmp/out1"
cp "$tmp/err" "$tmp/err1"
run "$G/proc_pipe-O2" --stats=json
# the host's wall time (and the rate drawn from it) are the only fields that may change
host_fields() { sed -E 's/"(wall_seconds|mips)": [0-9.e+-]+/"\1": X/g' "$1"; }
cmp -s "$tmp/out" "$tmp/out1" && cmp -s <(host_fields "$tmp/err") <(host_fields "$tmp/err1")
ok $? "determinism: two runs give the same output and statistics"

grep -o '"sched_switches": [0-9]*' "$tmp/err" | awk '{ exit !($2 > 10) }'
ok $? "statistics count context switches"
sw=$(grep -o '"sched_switches": [0-9]*' "$tmp/err" | awk '{ print $2 }')
cr3=$(grep -o '"sched_cr3_loads": [0-9]*' "$tmp/err" | awk '{ print $2 }')
fl=$(grep -o '"tlb_flush_cr3": [0-9]*' "$tmp/err" | awk '{ print $2 }')
[ -n "$cr3" ] && [ "$cr3" -gt 0 ] && [ "$cr3" -le "$sw" ] && [ "$fl" -ge "$cr3" ]
ok $? "every switch to another address space loads CR3 and flushes the TLB ($cr3 of $sw switches)"

exp=tests/guest/expected/proc_pipe.i386.out
for slice in 997 50000; do
	run "$G/proc_pipe-O2" --slice=$slice
	echo "exit=$(cat "$tmp/rc")" >>"$tmp/out"
	cmp -s "$tmp/out" "$exp"
	ok $? "--slice=$slice: another interleaving, the same output"
done

# --tlb-asid: entries tagged by address space survive the switches
run "$G/proc_pipe-O2" --stats=json
m1=$(grep -o '"tlb_misses": [0-9]*' "$tmp/err" | awk '{ print $2 }')
run "$G/proc_pipe-O2" --stats=json --tlb-asid
m2=$(grep -o '"tlb_misses": [0-9]*' "$tmp/err" | awk '{ print $2 }')
echo "exit=$(cat "$tmp/rc")" >>"$tmp/out"
cmp -s "$tmp/out" "$exp"
ok $? "--tlb-asid: the same output"
[ -n "$m1" ] && [ -n "$m2" ] && [ "$m2" -lt "$m1" ]
ok $? "--tlb-asid: fewer TLB misses ($m2 against $m1 with a flush per switch)"
