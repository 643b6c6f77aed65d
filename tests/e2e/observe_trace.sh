#!/bin/bash
# `vmlab run --trace` and `--strace` (docs/observe.md) on tests/guest/obs_events.c:
# - the trace of its main() (faults, system calls, VMA changes, signals) against a golden,
#   with what depends on the toolchain masked (instruction counts, EIPs, addresses inside
#   the executable and its heap): tests/e2e/expected/trace-obs_events.txt;
# - --strace against Debian's strace on a native run of the same program (when strace is
#   installed): the same calls, arguments, results and signals, addresses masked;
# - the Chrome/Perfetto JSON form parses and has the trace-event fields;
# - the filters (address range, instruction window, TLB sampling) keep only what they say;
# - tracing changes no count: the statistics with --trace=all equal those without.
# VMLAB_RECORD=1 rewrites the golden.
cd "$(dirname "$0")/../.."
ROOT=$PWD
vmlab=${VMLAB:-$ROOT/build/${VMLAB_BUILD:-rel}/vmlab}
bin=$ROOT/build/guest/obs_events-O2
golden=tests/e2e/expected/trace-obs_events.txt
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
n=0
ok() { n=$((n + 1)); echo "ok $n - $1"; }
notok() { n=$((n + 1)); echo "not ok $n - $1"; }
if [ ! -x "$bin" ]; then
	echo "ok 1 - traces # SKIP obs_events not built (make guests)"
	echo "1..1"
	exit 0
fi
cp "$bin" "$tmp/obs_events"
prog=$tmp/obs_events
run() { (cd "$tmp" && "$vmlab" run "$@" </dev/null >/dev/null 2>&1); }

# main()'s part of a trace, with the toolchain's numbers masked
mask() {
	sed -n '/write(1, "out\\n", 4)/,$p' | sed -E \
		-e "s|$prog|PROG|g" -e 's/^@[0-9]+/@N/' -e 's/eip=0x[0-9a-f]+/eip=E/' \
		-e 's/0x8[0-9a-f]{6}\b/0x8....../g' -e 's/0x08[0-9a-f]{6}/0x08....../g' -e 's/\b08[0-9a-f]{6}-08[0-9a-f]{6}/08......-08....../g' \
		-e 's/0xbf[0-9a-f]{6}/0xbf....../g'
}

run --trace=fault,syscall,mm,signal --trace-file="$tmp/trace.txt" "$prog"
mask <"$tmp/trace.txt" >"$tmp/trace.masked"
if [ "$VMLAB_RECORD" = 1 ]; then cp "$tmp/trace.masked" "$golden"; fi
if cmp -s "$golden" "$tmp/trace.masked"; then
	ok "trace of obs_events matches $golden"
else
	notok "trace of obs_events matches $golden"
	diff "$golden" "$tmp/trace.masked" | head -10 | sed 's/^/# /'
fi

# --strace against strace(1) on the host
calls="write open mmap2 mprotect munmap brk rt_sigaction rt_sigprocmask tgkill"
shape() { # keep the calls above, signals and the end; mask addresses and pids
	sed -n '/write(1, "out\\n", 4)/,$p' | grep -E "^(${calls// /|})\(|^(---|\+\+\+)" | sed -E \
		-e 's/ +=/ =/' -e 's/0x[0-9a-f]+/ADDR/g' -e 's/si_pid=[0-9]+/si_pid=PID/' \
		-e 's/^tgkill\([0-9]+, [0-9]+,/tgkill(PID, PID,/'
}
run --strace --trace-file="$tmp/strace.vmlab" "$prog"
if command -v strace >/dev/null && (cd "$tmp" && strace -o "$tmp/strace.host" -e trace="${calls// /,}" -e signal=all setarch i686 -R "$prog" >/dev/null 2>&1 </dev/null); [ -s "$tmp/strace.host" ]; then
	shape <"$tmp/strace.host" >"$tmp/host.shape"
	shape <"$tmp/strace.vmlab" >"$tmp/vmlab.shape"
	if [ -s "$tmp/host.shape" ] && cmp -s "$tmp/host.shape" "$tmp/vmlab.shape"; then
		ok "--strace prints what strace(1) prints for a native run ($(wc -l <"$tmp/host.shape") lines)"
	else
		notok "--strace prints what strace(1) prints for a native run"
		diff "$tmp/host.shape" "$tmp/vmlab.shape" | head -10 | sed 's/^/# /'
	fi
else
	ok "--strace against strace(1) # SKIP strace not installed or cannot trace here"
fi
# and for a real program: busybox ls (openat's flags, close, the listing written)
if BUSYBOX=$(scripts/get-busybox.sh 2>/dev/null) && command -v strace >/dev/null; then
	mkdir -p "$tmp/dir/sub" && touch "$tmp/dir/a" "$tmp/dir/b"
	bbcalls="openat close write mprotect ioctl"
	bbshape() { grep -E "^(${bbcalls// /|})\(|^\+\+\+" | sed -E -e 's/ +=/ =/' -e 's/0x[0-9a-f]+/ADDR/g'; }
	(cd "$tmp" && "$vmlab" run --strace --trace-file="$tmp/bb.vmlab" "$BUSYBOX" ls "$tmp/dir" </dev/null >/dev/null 2>&1)
	(cd "$tmp" && strace -o "$tmp/bb.host" setarch i686 -R "$BUSYBOX" ls "$tmp/dir" </dev/null >/dev/null 2>&1)
	sed -n '/^execve(".*busybox"/,$p' "$tmp/bb.host" | bbshape >"$tmp/bb.host.shape"
	bbshape <"$tmp/bb.vmlab" >"$tmp/bb.vmlab.shape"
	if [ -s "$tmp/bb.host.shape" ] && cmp -s "$tmp/bb.host.shape" "$tmp/bb.vmlab.shape"; then
		ok "--strace of busybox ls prints what strace(1) prints natively ($(wc -l <"$tmp/bb.host.shape") lines)"
	else
		notok "--strace of busybox ls prints what strace(1) prints natively"
		diff "$tmp/bb.host.shape" "$tmp/bb.vmlab.shape" | head -10 | sed 's/^/# /'
	fi
else
	ok "--strace of busybox ls against strace(1) # SKIP busybox or strace missing"
fi
if grep -qx 'write(1, "out\\n", 4) = 4' "$tmp/strace.vmlab" &&
	grep -qx 'open("/nonexistent/obs", O_RDONLY) = -1 ENOENT (No such file or directory)' "$tmp/strace.vmlab" &&
	grep -qx 'exit_group(3) = ?' "$tmp/strace.vmlab" && tail -1 "$tmp/strace.vmlab" | grep -qx '+++ exited with 3 +++'; then
	ok "--strace: write, a failing open with its errno, exit_group and the exit line"
else
	notok "--strace: write, a failing open with its errno, exit_group and the exit line"
fi

# Chrome/Perfetto trace-event JSON
run --trace=all --trace-file="$tmp/t.json" "$prog"
if out=$(python3 - "$tmp/t.json" <<'PY'
import json, sys
d = json.load(open(sys.argv[1]))
ev = d["traceEvents"]
cats = {e["cat"] for e in ev}
assert {"fault", "syscall", "mm", "tlb", "signal"} <= cats, cats
assert {"faults", "tlb misses"} <= {e["name"] for e in ev if e["ph"] == "C"}
last = 0
for e in ev:
    for k in ("name", "cat", "ph", "ts", "pid", "tid"):
        assert k in e, (k, e)
    assert e["ph"] in ("X", "i", "C"), e
    if e["ph"] == "C":
        assert e["args"] and all(isinstance(v, int) for v in e["args"].values()), e
    if e["ph"] == "X":
        assert e["dur"] >= 0
    assert e["ts"] >= 0
print(len(ev))
PY
); then ok "--trace=all as JSON: $out trace events with name, cat, ph, ts, pid, tid"
else notok "--trace=all as JSON parses with the trace-event fields"; echo "$out" | tail -2 | sed 's/^/# /'; fi

# filters
run --trace=fault,tlb --trace-addr=0xb0000000-0xc0000000 --trace-file="$tmp/f.txt" "$prog"
if [ -s "$tmp/f.txt" ] && python3 -c '
import re, sys
n = 0
for line in open(sys.argv[1]):
    m = re.match(r"@\d+ (fault|tlb) +(?:(?:miss|hit|fill|evict|invlpg) \w+ )?(0x[0-9a-f]{8})", line)
    if m:
        n += 1
        if not 0xb0000000 <= int(m.group(2), 16) < 0xc0000000:
            sys.exit("outside: " + line)
sys.exit(0 if n else "no event")' "$tmp/f.txt"; then
	ok "--trace-addr keeps only faults and TLB events in the range"
else notok "--trace-addr keeps only faults and TLB events in the range"; fi
run --trace=all --trace-insns=12000-13000 --trace-file="$tmp/w.txt" "$prog"
if [ -s "$tmp/w.txt" ] && [ -z "$(grep -E '^@' "$tmp/w.txt" | sed -E 's/^@([0-9]+).*/\1/' | awk '$1 < 12000 || $1 >= 13000')" ]; then
	ok "--trace-insns keeps only events in the window"
else notok "--trace-insns keeps only events in the window"; fi
run --trace=tlb --trace-file="$tmp/tlb1.txt" "$prog"
run --trace=tlb --trace-tlb-sample=10 --trace-file="$tmp/tlb10.txt" "$prog"
a=$(wc -l <"$tmp/tlb1.txt") b=$(wc -l <"$tmp/tlb10.txt")
if [ "$a" -gt 100 ] && [ "$b" -eq $(((a + 9) / 10)) ]; then ok "--trace-tlb-sample=10 keeps one TLB event in 10 ($b of $a)"
else notok "--trace-tlb-sample=10 keeps one TLB event in 10 ($b of $a)"; fi

# tracing changes no count
(cd "$tmp" && "$vmlab" run --stats "$prog" </dev/null 2>"$tmp/s0" >/dev/null)
(cd "$tmp" && "$vmlab" run --stats --trace=all --trace-file="$tmp/all.txt" "$prog" </dev/null 2>"$tmp/s1" >/dev/null)
if diff <(grep -vE '^(command|wall time):' "$tmp/s0") <(grep -vE '^(command|wall time):' "$tmp/s1") >/dev/null; then
	ok "the statistics with --trace=all are those without"
else
	notok "the statistics with --trace=all are those without"
	diff <(grep -vE '^(command|wall time):' "$tmp/s0") <(grep -vE '^(command|wall time):' "$tmp/s1") | head -6 | sed 's/^/# /'
fi

# the sched class on a fork/pipe program: switches (why, CR3, TLB), fork, exit; plain,
# with --tlb-asid and with a short slice (a preemption), against tests/e2e/expected/trace-obs_sched.txt (instruction counts
# masked); --trace-pid keeps one task's events; the JSON form carries the real pids and tids.
sbin=$ROOT/build/guest/obs_sched-O2
sgolden=tests/e2e/expected/trace-obs_sched.txt
if [ -x "$sbin" ]; then
	smask() { sed -E 's/^@[0-9]+/@N/'; }
	{
		run --trace=sched --trace-file="$tmp/sched.txt" "$sbin" && smask <"$tmp/sched.txt"
		echo "-- --tlb-asid"
		run --tlb-asid --trace=sched --trace-file="$tmp/sched.txt" "$sbin" && smask <"$tmp/sched.txt"
		echo "-- --slice=5000"
		run --slice=5000 --trace=sched --trace-file="$tmp/sched.txt" "$sbin" && smask <"$tmp/sched.txt"
	} >"$tmp/sched.masked"
	if [ "$VMLAB_RECORD" = 1 ]; then cp "$tmp/sched.masked" "$sgolden"; fi
	if cmp -s "$sgolden" "$tmp/sched.masked"; then
		ok "sched trace of obs_sched matches $sgolden"
	else
		notok "sched trace of obs_sched matches $sgolden"
		diff "$sgolden" "$tmp/sched.masked" | head -10 | sed 's/^/# /'
	fi
	run --trace=sched,syscall --trace-pid=1001 --trace-file="$tmp/pid.txt" "$sbin"
	if grep -q '^@[0-9]* syscall \[pid 1001\] write(4, "hi", 2) = 2$' "$tmp/pid.txt" &&
		grep -q '^@[0-9]* sched   fork 1000/1000 -> 1001/1001 fork$' "$tmp/pid.txt" &&
		! grep -E '^@[0-9]+ syscall ' "$tmp/pid.txt" | grep -qv '\[pid 1001\]' &&
		! grep -q 'exit 1000/1000' "$tmp/pid.txt"; then
		ok "--trace-pid=1001 keeps the child's events and the switches and fork that name it"
	else
		notok "--trace-pid=1001 keeps the child's events and the switches and fork that name it"
		head -5 "$tmp/pid.txt" | sed 's/^/# /'
	fi
	run --trace=sched,syscall --trace-file="$tmp/sched.json" "$sbin"
	if out=$(python3 - "$tmp/sched.json" <<'PY'
import json, sys
ev = json.load(open(sys.argv[1]))["traceEvents"]
sw = [e for e in ev if e["cat"] == "sched" and e["name"] == "switch"]
assert len(sw) == 2, sw
for e in sw:
    a = e["args"]
    assert (e["pid"], e["tid"]) == (a["next_pid"], a["next_tid"]), e
    assert a["reason"] and a["mmu"].startswith("cr3"), e
child = [e for e in ev if e["cat"] == "syscall" and e["pid"] == 1001]
assert [e["name"] for e in child][-2:] == ["write", "exit_group"], child
assert all(e["tid"] == e["pid"] for e in ev), "tid"
fork = [e for e in ev if e["name"] == "fork"][0]
assert fork["pid"] == 1000 and fork["args"]["child_pid"] == 1001, fork
print(len(ev))
PY
	); then ok "sched as JSON: $out events, switches on the incoming task's track, the child's calls under pid 1001"
	else notok "sched as JSON: real pids and tids"; echo "$out" | tail -2 | sed 's/^/# /'; fi
else
	ok "sched trace # SKIP obs_sched not built (make guests)"
fi

for badopt in "--trace=nosuch" "--trace=fault --trace-addr=5" "--trace=fault --trace-insns=x" "--trace=tlb --trace-tlb-sample=0" "--trace=fault --trace-format=xml" "--trace=sched --trace-pid=x" "--trace=sched --trace-pid=1,"; do
	read -r -a args <<<"$badopt"
	if (cd "$tmp" && "$vmlab" run "${args[@]}" "$prog" </dev/null >/dev/null 2>"$tmp/e"); then
		notok "'$badopt' is refused"
	elif grep -q "^vmlab run: bad" "$tmp/e"; then ok "'$badopt' is refused"
	else notok "'$badopt' is refused"; fi
done
echo "1..$n"
