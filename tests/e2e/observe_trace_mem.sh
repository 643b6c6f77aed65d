#!/bin/bash
# The memory-system trace classes and --dump-state (docs/observe.md, docs/translate.md) on
# tests/guest/obs_mem.c:
# - the trace of walk, swap and kmem events from main()'s first write on, against a golden
#   with what depends on the toolchain and the build masked (instruction counts, frame
#   numbers, table addresses and entry values, addresses inside the executable and the
#   stack): tests/e2e/expected/trace-obs_mem.txt;
# - the JSON form: walk/swap/kmem events with their args, the "swap used" and "free pages"
#   counter tracks;
# - an OOM kill and kswapd's reclaim as swap events;
# - tracing changes no count (obs_mem, and a working set larger than RAM with swap);
# - --dump-state round trips: `vmlab translate --state FILE ADDR` walks the same entries
#   (the same table entry addresses and values, A/D aside: the dump holds the entries after
#   the walk set them) and reaches the same physical address or #PF error code as the live
#   walk, for the fatal fault (2-level and PAE) and for an instruction count (no TLB, so
#   that the walk is not served by a TLB entry);
# - bad options are refused.
# VMLAB_RECORD=1 rewrites the golden.
cd "$(dirname "$0")/../.."
ROOT=$PWD
vmlab=${VMLAB:-$ROOT/build/${VMLAB_BUILD:-rel}/vmlab}
bin=$ROOT/build/guest/obs_mem-O2
golden=tests/e2e/expected/trace-obs_mem.txt
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
n=0
ok() { n=$((n + 1)); echo "ok $n - $1"; }
notok() { n=$((n + 1)); echo "not ok $n - $1"; }
if [ ! -x "$bin" ]; then
	echo "ok 1 - memory traces # SKIP obs_mem not built (make guests)"
	echo "1..1"
	exit 0
fi
cp "$bin" "$tmp/obs_mem"
prog=$tmp/obs_mem
run() { (cd "$tmp" && "$vmlab" run "$@" </dev/null >/dev/null 2>&1); }

mask() {
	sed -n '/write(1, "start\\n", 6)/,$p' | sed -E \
		-e "s|$prog|PROG|g" -e 's/^@[0-9]+/@N/' -e 's/pfn=0x[0-9a-f]+/pfn=P/g' \
		-e 's/free_pages=[0-9]+/free_pages=F/' -e 's/object=0x[0-9a-f]+/object=O/' \
		-e 's/0x[0-9a-f]+\[/T[/' -e 's/@0x[0-9a-f]+ = 0x[0-9a-f]+/@E = V/' \
		-e 's/-> 0x[0-9a-f]+ /-> PA /' \
		-e 's/0x08[0-9a-f]{6}/0x08....../g' -e 's/0xbf[0-9a-f]{6}/0xbf....../g'
}

run --swap=1M --trace=walk,swap,kmem,syscall --trace-file="$tmp/trace.txt" "$prog"
mask <"$tmp/trace.txt" >"$tmp/trace.masked"
if [ "$VMLAB_RECORD" = 1 ]; then cp "$tmp/trace.masked" "$golden"; fi
if cmp -s "$golden" "$tmp/trace.masked"; then
	ok "walk,swap,kmem trace of obs_mem matches $golden ($(wc -l <"$golden") lines)"
else
	notok "walk,swap,kmem trace of obs_mem matches $golden"
	diff "$golden" "$tmp/trace.masked" | head -10 | sed 's/^/# /'
fi
# what the golden must show, named (so that a re-recorded golden cannot lose it)
for want in 'walk    0x00123456 write user \(2level\): #PF err=0x6' 'PDE   T\[0x000\] @E = V not-present' \
	'swap    unmap pfn=P type=0 slot=0x1 pid=1000 address=0xb7ff6000 vma=b7ff6000-b7ffa000' \
	'swap    swap-out pfn=P type=0 slot=0x4 swap_used=4' 'swap    swap-in type=0 slot=0x2 pfn=P pid=1000 address=0xb7ff7000 fault=major' \
	'swap-in type=0 slot=0x1 pfn=P pid=1001' 'slab-alloc cache=task_struct' 'slab-free cache=mm_struct' \
	'kmem    vmalloc start=0x' 'kmem    vfree start=0x' 'kmap_local pfn=P vaddr=0x' 'page-alloc pfn=P order=0 zone=HighMem'; do
	if grep -qE "$want" "$tmp/trace.masked"; then ok "the trace shows: $want"; else notok "the trace shows: $want"; fi
done

# JSON
run --swap=1M --trace=walk,swap,kmem --trace-file="$tmp/t.json" "$prog"
if out=$(python3 - "$tmp/t.json" <<'PY'
import json, sys
ev = json.load(open(sys.argv[1]))["traceEvents"]
cats = {e["cat"] for e in ev}
assert {"walk", "swap", "kmem"} <= cats, cats
tracks = {e["name"] for e in ev if e["ph"] == "C"}
assert {"swap used", "free pages"} <= tracks, tracks
for e in ev:
    for k in ("name", "cat", "ph", "ts", "pid", "tid"):
        assert k in e, (k, e)
    if e["ph"] == "C":
        assert all(isinstance(v, int) for v in e["args"].values()), e
walks = [e for e in ev if e["cat"] == "walk"]
assert all(e["args"]["levels"] and "entry_address" in e["args"]["levels"][0] for e in walks)
faults = [e for e in walks if e["name"] == "walk fault"]
assert any(e["args"]["address"] == "0x00123456" and e["args"]["error_code"] == 6 for e in faults)
assert any(e["name"] == "swap-in" and e["args"]["fault"] == "major" for e in ev)
assert any(e["name"] == "slab-alloc" and e["args"]["cache"] == "task_struct" for e in ev)
print(len(ev))
PY
); then ok "walk,swap,kmem as JSON: $out events, counter tracks swap used and free pages"
else notok "walk,swap,kmem as JSON"; echo "$out" | tail -2 | sed 's/^/# /'; fi

# reclaim and the OOM killer (tests/guest/swap_workset.c)
ws=$ROOT/build/guest/swap_workset-O2
if [ -x "$ws" ]; then
	run --mem=48M --overcommit=1 --trace=swap --trace-file="$tmp/oom.txt" "$ws" 48 seq 1
	if grep -qE '^@[0-9]+ swap    oom-kill pid=1000 comm=swap_workset-O2 points=[0-9]+' "$tmp/oom.txt" &&
		grep -qE 'reclaim by=(kswapd|direct) wanted=' "$tmp/oom.txt"; then
		ok "swap trace: reclaim scans and the OOM kill of a program larger than RAM without swap"
	else notok "swap trace: reclaim scans and the OOM kill"; fi
	s0=$( (cd "$tmp" && "$vmlab" run --mem=48M --swap=64M --stats "$ws" 48 seq 1 2>&1 >/dev/null) | grep -vE '^(command|wall time):')
	s1=$( (cd "$tmp" && "$vmlab" run --mem=48M --swap=64M --stats --trace=walk,swap,kmem --trace-file="$tmp/ws.txt" "$ws" 48 seq 1 2>&1 >/dev/null) | grep -vE '^(command|wall time):')
	if [ -n "$s0" ] && [ "$s0" = "$s1" ] && grep -q "swap-out" "$tmp/ws.txt" && grep -q "kswapd-wake" "$tmp/ws.txt"; then
		ok "a swapping run (kswapd, swap-out/in): the statistics with walk,swap,kmem traced are those without"
	else
		notok "a swapping run: the statistics with walk,swap,kmem traced are those without"
		diff <(echo "$s0") <(echo "$s1") | head -6 | sed 's/^/# /'
	fi
else
	ok "reclaim and OOM traces # SKIP swap_workset not built"
fi
s0=$( (cd "$tmp" && "$vmlab" run --swap=1M --stats "$prog" 2>&1 >/dev/null) | grep -vE '^(command|wall time):')
s1=$( (cd "$tmp" && "$vmlab" run --swap=1M --stats --trace=all --trace-file="$tmp/all.txt" "$prog" 2>&1 >/dev/null) | grep -vE '^(command|wall time):')
if [ -n "$s0" ] && [ "$s0" = "$s1" ]; then ok "obs_mem: the statistics with --trace=all are those without"
else notok "obs_mem: the statistics with --trace=all are those without"; diff <(echo "$s0") <(echo "$s1") | head -6 | sed 's/^/# /'; fi

# --dump-state round trips. entries FILE: "LEVEL ENTRYADDR VALUE" of the walk, A/D masked,
# then the outcome (physical address or #PF error code)
live_walk() { # trace file, linear address: the last walk of it
	python3 - "$1" "$2" <<'PY'
import re, sys
lines = open(sys.argv[1]).read().split("\n")
want = int(sys.argv[2], 16)
last = None
for i, l in enumerate(lines):
    m = re.match(r"@\d+ walk +0x([0-9a-f]{8}) \S+ \S+ \(\S+\): (.*)", l)
    if m and int(m.group(1), 16) >> 12 == want >> 12:
        last = i
if last is None:
    sys.exit(1)
m = re.match(r"@\d+ walk +0x[0-9a-f]{8} \S+ \S+ \(\S+\): (.*)", lines[last])
out = m.group(1)
res = re.search(r"#PF err=(0x[0-9a-f]+)", out)
for l in lines[last + 1:]:
    m = re.match(r" +(PDPTE|PDE|PTE) +0x[0-9a-f]+\[0x[0-9a-f]+\] @(0x[0-9a-f]+) = (0x[0-9a-f]+)", l)
    if not m:
        break
    print(m.group(1), hex(int(m.group(2), 16)), hex(int(m.group(3), 16) & ~0x60))
if res:
    print("#PF", hex(int(res.group(1), 16)))
else:
    pa = int(re.search(r"-> (0x[0-9a-f]+)", out).group(1), 16)
    print("page", hex(pa & ~0xfff))
PY
}
replay_walk() { # translate output
	python3 - "$1" <<'PY'
import re, sys
for l in open(sys.argv[1]):
    m = re.match(r" +(PDPTE|PDE|PTE) +(?:CR3 0x[0-9a-f]+ -> )?table 0x[0-9a-f]+ \+ 0x[0-9a-f]+\*\d = (0x[0-9a-f]+): (0x[0-9a-f]+)", l)
    if m:
        print(m.group(1), hex(int(m.group(2), 16)), hex(int(m.group(3), 16) & ~0x60))
    m = re.match(r"  => #PF, error code (0x[0-9a-f]+)", l)
    if m:
        print("#PF", hex(int(m.group(1), 16)))
    m = re.match(r"  => physical (0x[0-9a-f]+)", l)
    if m:
        print("page", hex(int(m.group(1), 16) & ~0xfff))
PY
}
round_trip() { # name, address, live trace, dump file
	"$vmlab" translate --state "$4" "$2" >"$tmp/replay.txt" 2>&1
	local rc=$?
	live_walk "$3" "$2" >"$tmp/live.w"
	replay_walk "$tmp/replay.txt" >"$tmp/replay.w"
	if [ $rc -eq 0 ] && [ -s "$tmp/live.w" ] && cmp -s "$tmp/live.w" "$tmp/replay.w"; then
		ok "--dump-state $1: translate --state replays the live walk of $2 ($(tr '\n' ' ' <"$tmp/live.w" | cut -c1-80))"
	else
		notok "--dump-state $1: translate --state replays the live walk of $2 (rc $rc)"
		diff "$tmp/live.w" "$tmp/replay.w" | head -6 | sed 's/^/# /'
	fi
}
for paging in 2level pae; do
	run --paging=$paging --dump-state=fault --dump-state-file="$tmp/f-$paging.vm" --trace=walk \
		--trace-addr=0x123000-0x124000 --trace-file="$tmp/fw-$paging.txt" "$prog"
	round_trip "fault ($paging)" 0x00123456 "$tmp/fw-$paging.txt" "$tmp/f-$paging.vm"
done
if grep -q '^translate linear 0x00123456 write user$' "$tmp/f-2level.vm" &&
	"$vmlab" translate "$tmp/f-2level.vm" >"$tmp/f.out" 2>&1 && grep -q '=> #PF, error code 0x6, CR2 0x00123456' "$tmp/f.out" &&
	grep -q 'load cs = 0x0073' "$tmp/f.out" && grep -q '^ldt 600 = ' "$tmp/f-2level.vm" && grep -q '^tlb-entry ' "$tmp/f-2level.vm"; then
	ok "--dump-state=fault: the file holds the GDT/LDT, the TLB and the faulting write; translate FILE replays it"
else notok "--dump-state=fault: the file holds the GDT/LDT, the TLB and the faulting write"; fi
# an instruction count, with no TLB: the walks of the mmap'd pages
run --no-tlb --swap=1M --trace=walk --trace-addr=0xb7ff6000-0xb7ffa000 --trace-file="$tmp/iw.txt" "$prog"
at=$(grep -m1 -E '^@[0-9]+ walk +0xb7ff7' "$tmp/iw.txt" | sed -E 's/^@([0-9]+).*/\1/')
if [ -n "$at" ]; then
	run --no-tlb --swap=1M --dump-state=insn=$((at + 1)) --dump-addr=0xb7ff7000 --dump-state-file="$tmp/i.vm" \
		--trace=walk --trace-addr=0xb7ff6000-0xb7ffa000 --trace-insns=0-$((at + 1)) --trace-file="$tmp/iw2.txt" "$prog"
	round_trip "insn=$((at + 1)) (no TLB)" 0xb7ff7000 "$tmp/iw2.txt" "$tmp/i.vm"
	if grep -q "at instruction $((at + 1))\$" "$tmp/i.vm"; then ok "--dump-state=insn=N stops at exactly N"
	else notok "--dump-state=insn=N stops at exactly N"; head -1 "$tmp/i.vm" | sed 's/^/# /'; fi
else
	notok "a walk of 0xb7ff7000 in the no-TLB trace"
fi
run --dump-state=exit --dump-state-file="$tmp/e.vm" "$prog"
if "$vmlab" translate "$tmp/e.vm" >/dev/null 2>&1 && head -1 "$tmp/e.vm" | grep -q 'dump-state=exit'; then
	ok "--dump-state=exit writes a state file translate reads"
else notok "--dump-state=exit writes a state file translate reads"; fi
s0=$( (cd "$tmp" && "$vmlab" run --stats "$prog" 2>&1 >/dev/null) | grep -vE '^(command|wall time):')
s1=$( (cd "$tmp" && "$vmlab" run --stats --dump-state=fault --dump-state-file="$tmp/x.vm" "$prog" 2>&1 >/dev/null) | grep -vE '^(command|wall time):')
if [ "$s0" = "$s1" ]; then ok "--dump-state=fault changes no count"; else notok "--dump-state=fault changes no count"; fi

(cd "$tmp" && "$vmlab" run --dump-state=insn=999999999 --dump-state-file="$tmp/never.vm" "$prog" >/dev/null 2>"$tmp/never.err")
if [ ! -e "$tmp/never.vm" ] && grep -q "that moment never came" "$tmp/never.err"; then ok "--dump-state past the end: nothing written, and said so"
else notok "--dump-state past the end: nothing written, and said so"; fi

for badopt in "--trace=walk,nosuch" "--dump-state=later" "--dump-state=insn=x" "--dump-addr=0x1000" \
	"--dump-state=exit --dump-addr=zz" "--dump-state=exit --dump-addr=0x100000000"; do
	read -r -a args <<<"$badopt"
	if (cd "$tmp" && "$vmlab" run "${args[@]}" "$prog" </dev/null >/dev/null 2>"$tmp/e"); then
		notok "'$badopt' is refused"
	elif grep -q "^vmlab run: bad" "$tmp/e"; then ok "'$badopt' is refused"
	else notok "'$badopt' is refused"; sed 's/^/# /' "$tmp/e" | head -2; fi
done
for bad in "--state" "--state $tmp/f-2level.vm" "--state $tmp/f-2level.vm nothex" "--state $tmp/f-2level.vm 0x1000 sideways" "--state /nonexistent 0x1000"; do
	read -r -a args <<<"$bad"
	"$vmlab" translate "${args[@]}" >/dev/null 2>"$tmp/e"
	if [ $? -eq 2 ] && [ -s "$tmp/e" ]; then ok "translate $bad: status 2 and a message"
	else notok "translate $bad: status 2 and a message"; fi
done
# the engines agree on every event and its clock (TLB hits aside: only slow-path hits are
# events, and which accesses take the slow path is the engine's business)
for cls in walk,fault,swap,kmem syscall,mm,signal; do
	run --swap=1M --jit-threshold=1 --trace=$cls --trace-file="$tmp/e-jit.txt" "$prog"
	run --swap=1M --no-jit --trace=$cls --trace-file="$tmp/e-int.txt" "$prog"
	if [ -s "$tmp/e-jit.txt" ] && cmp -s "$tmp/e-jit.txt" "$tmp/e-int.txt"; then
		ok "--trace=$cls: compiled blocks and --no-jit give the same trace ($(wc -l <"$tmp/e-jit.txt") events)"
	else
		notok "--trace=$cls: compiled blocks and --no-jit give the same trace"
		diff "$tmp/e-jit.txt" "$tmp/e-int.txt" | head -6 | sed 's/^/# /'
	fi
done
echo "1..$n"
