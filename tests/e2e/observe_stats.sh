#!/bin/bash
# `vmlab run --stats`, `--stats-file`, `--log-file`, `--help-stats` (docs/observe.md):
# the JSON form validates against docs/stats.schema.json and its breakdowns sum to their
# totals (tests/tools/check_stats.py), the text form prints the same numbers, every line of
# the text form is explained by --help-stats, vmlab's messages go to the log file while the
# program keeps its stderr, and two runs print the same statistics but for the host-side
# lines (command, wall time).
cd "$(dirname "$0")/../.."
ROOT=$PWD
vmlab=${VMLAB:-$ROOT/build/${VMLAB_BUILD:-rel}/vmlab}
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
n=0
ok() { n=$((n + 1)); echo "ok $n - $1"; }
notok() { n=$((n + 1)); echo "not ok $n - $1"; }
skip() { n=$((n + 1)); echo "ok $n - $1 # SKIP $2"; }

progs="obs_events exit_code fault_thp fault_cow_file fault_stack_growth mm_mremap sig_segv die_segv obs_sched proc_fork_cow proc_pipe"
[ "$VMLAB_BUILD" = san ] && progs="obs_events fault_cow_file die_segv obs_sched"
have_schema=1
python3 -c 'import jsonschema' 2>/dev/null || have_schema=0
for p in $progs; do
	bin=$ROOT/build/guest/$p-O2
	if [ ! -x "$bin" ]; then skip "stats of $p" "not built (make guests)"; continue; fi
	if [ $have_schema = 0 ]; then skip "stats of $p" "python3-jsonschema missing"; continue; fi
	(cd "$tmp" && "$vmlab" run --stats=json --stats-file="$tmp/s.json" "$bin" >/dev/null 2>&1 </dev/null)
	(cd "$tmp" && "$vmlab" run --stats "$bin" >/dev/null 2>"$tmp/s.txt" </dev/null)
	if out=$(python3 tests/tools/check_stats.py "$tmp/s.json" "$tmp/s.txt"); then
		ok "stats of $p: schema, sums, text = JSON"
	else
		notok "stats of $p: schema, sums, text = JSON"
		echo "$out" | head -5 | sed 's/^/# /'
	fi
done

bin=$ROOT/build/guest/obs_events-O2
if [ ! -x "$bin" ]; then
	skip "log file, help, determinism" "obs_events not built"
	echo "1..$n"
	exit 0
fi

# every label of the text form is in --help-stats
"$vmlab" run --stats "$bin" >/dev/null 2>"$tmp/s.txt" </dev/null
"$vmlab" run --help-stats >"$tmp/help" 2>&1
missing=$(sed -n '/^counters:/q;p' "$tmp/s.txt" | grep -v '^----' | grep -v '^err$' |
	sed -E 's/^ *//; s/^(zone) .*/\1/; s/^([A-Za-z ]+)[:(,].*/\1/; s/^([a-z]+ [a-z]+) [0-9].*/\1/; s/^([a-z]+) [0-9].*/\1/' |
	sort -u | while read -r label; do grep -q "^ *$label" "$tmp/help" || echo "$label"; done)
if [ -z "$missing" ]; then ok "--help-stats explains every line of the text form"
else notok "--help-stats explains every line of the text form"; echo "$missing" | sed 's/^/# not explained: /'; fi

# the statistics of two runs differ only in the host-side lines
"$vmlab" run --stats "$bin" >/dev/null 2>"$tmp/s2.txt" </dev/null
if diff <(grep -vE '^(command|wall time):' "$tmp/s.txt") <(grep -vE '^(command|wall time):' "$tmp/s2.txt") >/dev/null; then
	ok "two runs: the same statistics but for command and wall time"
else notok "two runs: the same statistics but for command and wall time"; fi

# --log-file: vmlab's message in the log, the program's stderr and stdout untouched
rc=0
"$vmlab" run --log-file="$tmp/log" "$bin" >"$tmp/out" 2>"$tmp/err" </dev/null || rc=$?
rc2=0
die=$ROOT/build/guest/die_segv-O2
"$vmlab" run --log-file="$tmp/log2" "$die" >"$tmp/out2" 2>"$tmp/err2" </dev/null || rc2=$?
if [ "$(cat "$tmp/err")" = err ] && grep -q '^out$' "$tmp/out" && [ ! -s "$tmp/log" ] && [ $rc = 3 ] &&
	[ ! -s "$tmp/err2" ] && grep -q 'killed by SIGSEGV' "$tmp/log2" && [ $rc2 = 139 ]; then
	ok "--log-file: vmlab's messages in the log, the program's stderr on stderr"
else
	notok "--log-file: vmlab's messages in the log, the program's stderr on stderr"
	echo "# rc=$rc/$rc2 err=$(head -c 200 "$tmp/err") log=$(head -c 200 "$tmp/log2")"
fi

# --stats-file alone writes the text form; JSON exit fields of a killed program
"$vmlab" run --stats-file="$tmp/t.txt" "$bin" >/dev/null 2>&1 </dev/null
if grep -q '^exit: status 3$' "$tmp/t.txt"; then ok "--stats-file writes the text form (exit: status 3)"
else notok "--stats-file writes the text form (exit: status 3)"; fi
die=$ROOT/build/guest/die_segv-O2
if [ -x "$die" ]; then
	"$vmlab" run --stats=json --stats-file="$tmp/d.json" "$die" >/dev/null 2>&1 </dev/null
	if python3 -c 'import json,sys; e=json.load(open(sys.argv[1]))["exit"]; sys.exit(not (e["signal"]==11 and e["signal_name"]=="SIGSEGV" and e["status"]==139 and e["code"] is None))' "$tmp/d.json"; then
		ok "JSON exit of a program killed by SIGSEGV: signal 11, status 139"
	else notok "JSON exit of a program killed by SIGSEGV: signal 11, status 139"; fi
fi

# an unwritable stats file is refused before the program runs
if ! "$vmlab" run --stats-file=/nonexistent/dir/s "$bin" >"$tmp/o" 2>"$tmp/e" && [ ! -s "$tmp/o" ] &&
	grep -q 'stats-file' "$tmp/e"; then
	ok "an unwritable --stats-file is an error, the program does not run"
else notok "an unwritable --stats-file is an error, the program does not run"; fi
# mapped-frame peaks: a process alone shares nothing; after fork, the 16 written private
# pages and the 4 MAP_SHARED ones (proc_fork_cow.c) are each mapped by both processes
fc=$ROOT/build/guest/proc_fork_cow-O2
if [ -x "$fc" ]; then
	"$vmlab" run --stats=json --stats-file="$tmp/f.json" "$fc" >/dev/null 2>&1 </dev/null
	"$vmlab" run --stats=json --stats-file="$tmp/a.json" "$bin" >/dev/null 2>&1 </dev/null
	if python3 -c 'import json,sys
f=json.load(open(sys.argv[1]))["mapped_peaks"]; a=json.load(open(sys.argv[2]))["mapped_peaks"]
sys.exit(not (a["shared"] == 0 and a["anon"] > 0 and a["file"] > 0 and f["shared"] >= 20 and f["anon"] >= 20))' "$tmp/f.json" "$tmp/a.json"; then
		ok "mapped_peaks: 0 shared frames alone, >= 20 after fork"
	else
		notok "mapped_peaks: 0 shared frames alone, >= 20 after fork"
		echo "# fork: $(grep -o '"mapped_peaks[^}]*}' "$tmp/f.json") alone: $(grep -o '"mapped_peaks[^}]*}' "$tmp/a.json")"
	fi
fi
echo "1..$n"
