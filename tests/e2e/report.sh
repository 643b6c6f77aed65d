#!/bin/bash
# `vmlab run --report=FILE.html` (docs/observe.md, "Report") on examples/report_demo.c: the
# page is well formed and fetches nothing (tests/tools/check_report.py), two runs write the
# same bytes, a run with a report counts what a run without one does, bad options are
# refused before the run, a program killed by a fault or stopped by SIGTERM still gets its
# page; and the page as
# headless Chromium renders it (--dump-dom) has its plots with data points, the address-space
# map with report_demo's VMAs for both processes, the disassembled faulting instructions.
# A screenshot is kept as build/test-logs/report.png.
cd "$(dirname "$0")/../.."
ROOT=$PWD
vmlab=${VMLAB:-$ROOT/build/${VMLAB_BUILD:-rel}/vmlab}
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
n=0
ok() { n=$((n + 1)); echo "ok $n - $1"; }
notok() { n=$((n + 1)); echo "not ok $n - $1"; }
skip() { n=$((n + 1)); echo "ok $n - $1 # SKIP $2"; }
check() { # name command...: ok when the command succeeds, else its output as comments
	local name=$1 out
	shift
	if out=$("$@" 2>&1); then ok "$name"; else notok "$name"; echo "$out" | head -8 | sed 's/^/# /'; fi
}

demo=$ROOT/build/examples/report_demo
if [ ! -x "$demo" ]; then
	echo "1..0 # SKIP build/examples/report_demo not built (make guests)"
	exit 0
fi
page=$tmp/r.html
run_demo() { (cd "$tmp" && "$vmlab" run "$@" "$demo" </dev/null); }

out=$(run_demo --report="$page" 2>"$tmp/err"; echo "exit=$?")
if [ "$out" = "report_demo: touched 128 pages, child exited with 0, sum 128
exit=0" ] && [ -s "$page" ] && [ ! -s "$tmp/err" ]; then
	ok "report_demo runs with --report and the page is written"
else
	notok "report_demo runs with --report and the page is written"
	{ echo "$out"; cat "$tmp/err"; } | head -5 | sed 's/^/# /'
fi

if command -v python3 >/dev/null; then
	check "the page is well formed and fetches nothing" \
		python3 tests/tools/check_report.py wellformed "$page"
else
	skip "the page is well formed and fetches nothing" "python3 missing"
fi

# the same run, the same bytes (the page holds no wall time); the same stdout too: glibc
# writes to a pipe and to /dev/null with different system calls
run_demo --report="$page" >/dev/null 2>&1
cp "$page" "$tmp/first.html"
run_demo --report="$page" >/dev/null 2>&1
check "two runs write the same page" cmp "$tmp/first.html" "$page"

# watching changes nothing: the statistics are those of a run without a report
run_demo --stats >/dev/null 2>"$tmp/s0"
run_demo --stats --report="$tmp/other.html" >/dev/null 2>"$tmp/s1"
check "a run with --report counts what a run without one does" \
	diff <(grep -v -e '^command:' -e '^wall time:' "$tmp/s0") \
	<(grep -v -e '^command:' -e '^wall time:' "$tmp/s1")

# the sampling interval changes the samples, not the run
run_demo --stats --report="$tmp/i.html" --report-interval=50000 >/dev/null 2>"$tmp/s2"
if diff <(grep -v -e '^command:' -e '^wall time:' "$tmp/s0") \
	<(grep -v -e '^command:' -e '^wall time:' "$tmp/s2") >/dev/null &&
	grep -q 'interval now 50000' "$tmp/i.html"; then
	ok "--report-interval sets the samples' interval"
else
	notok "--report-interval sets the samples' interval"
fi

# refused before the program runs
out=$(run_demo --report=/nonexistent/dir/r.html 2>&1; echo "exit=$?")
case $out in
*"--report /nonexistent/dir/r.html: No such file or directory"*exit=2) ok "an unwritable --report path is refused before the run" ;;
*) notok "an unwritable --report path is refused before the run"; echo "$out" | sed 's/^/# /' ;;
esac
out=$(run_demo --report="$page" --report-interval=0 2>&1; echo "exit=$?")
case $out in
*"bad --report-interval '0'"*exit=2) ok "--report-interval=0 is refused" ;;
*) notok "--report-interval=0 is refused"; echo "$out" | sed 's/^/# /' ;;
esac

# a program killed by a fault: its page names the faulting instruction as SIGSEGV
segv=$ROOT/build/guest/die_segv-O2
if [ -x "$segv" ]; then
	(cd "$tmp" && "$vmlab" run --report="$tmp/segv.html" "$segv" >/dev/null 2>&1 </dev/null)
	if grep -q '<tr class="feip">.*SIGSEGV 1' "$tmp/segv.html" ||
		tr -d '\n' <"$tmp/segv.html" | grep -q '<tr class="feip">[^#]*SIGSEGV 1'; then
		ok "a program killed by SIGSEGV gets a page with its faulting instruction"
	else
		notok "a program killed by SIGSEGV gets a page with its faulting instruction"
	fi
else
	skip "a program killed by SIGSEGV gets a page" "die_segv not built"
fi

# stopped from outside (SIGTERM to vmlab): the page is still written, and says so
cpu=$ROOT/build/guest/bench_cpu-O2
if [ -x "$cpu" ]; then
	rm -f "$tmp/stop.html"
	(cd "$tmp" && exec "$vmlab" run --report="$tmp/stop.html" "$cpu" 1000000 >/dev/null 2>&1 </dev/null) &
	pid=$!
	sleep 0.5
	kill -TERM $pid
	wait $pid
	if grep -q 'exit: killed by SIGTERM (status 143)' "$tmp/stop.html" 2>/dev/null &&
		grep -q '</html>' "$tmp/stop.html"; then
		ok "a run stopped by SIGTERM still writes its page"
	else
		notok "a run stopped by SIGTERM still writes its page"
	fi
else
	skip "a run stopped by SIGTERM still writes its page" "bench_cpu not built"
fi

# the page as a browser renders it
chrome=$(command -v chromium || command -v chromium-browser)
if [ -z "$chrome" ]; then
	skip "Chromium renders the page with its plots, maps and disassembly" \
		"chromium not installed (scripts/deps.sh OPTIONAL)"
	skip "screenshot of the page" "chromium not installed"
elif ! command -v python3 >/dev/null; then
	skip "Chromium renders the page with its plots, maps and disassembly" "python3 missing"
	skip "screenshot of the page" "python3 missing"
else
	cp "$tmp/first.html" "$page"
	flags=(--headless --no-sandbox --disable-gpu --disable-dev-shm-usage --no-first-run
		--user-data-dir="$tmp/chrome" --crash-dumps-dir="$tmp/chrome")
	if ! timeout 120 "$chrome" "${flags[@]}" --dump-dom "file://$page" >"$tmp/dom" 2>"$tmp/chrome.err" ||
		[ ! -s "$tmp/dom" ]; then
		skip "Chromium renders the page with its plots, maps and disassembly" \
			"chromium could not run: $(grep -v -i dbus "$tmp/chrome.err" | tail -1)"
		skip "screenshot of the page" "chromium could not run"
	else
		check "Chromium renders the page with its plots, maps and disassembly" \
			python3 tests/tools/check_report.py dom "$tmp/dom" 1000 1001
		mkdir -p build/test-logs
		rm -f build/test-logs/report.png
		timeout 120 "$chrome" "${flags[@]}" --window-size=1200,2400 --hide-scrollbars \
			--screenshot="$ROOT/build/test-logs/report.png" "file://$page" >/dev/null 2>&1
		if [ "$(head -c 8 build/test-logs/report.png 2>/dev/null | od -An -tx1 | tr -d ' \n')" = \
			89504e470d0a1a0a ] && [ "$(stat -c %s build/test-logs/report.png)" -gt 20000 ]; then
			ok "screenshot of the page kept as build/test-logs/report.png"
		else
			notok "screenshot of the page kept as build/test-logs/report.png"
		fi
	fi
fi
echo "1..$n"
