#!/bin/bash
# The system-call fuzzer (tests/guest/fuzz_syscalls.c) under vmlab: each seed makes COUNT
# random calls with adversarial arguments; whatever happens to the guest (an error, a
# signal, death), vmlab must not crash, hang or trip ASan/UBSan, and must end with a status
# it explains: it exits (0 when all calls were made, 128+N when the guest died of signal N),
# it is not killed by a signal, and no sanitizer reports anything.
# The guest runs in a scratch sandbox: --root is a temporary directory, --rw a directory
# inside it, stdin a temporary file and stdout/stderr files (never the host's /dev/null or
# a terminal: the guest may chmod, truncate or write its inherited descriptors), and the
# fuzzer refuses to run unless / holds FUZZ-SANDBOX-ROOT. The host's /dev/null is checked
# afterwards all the same.
# A short run here (a few seconds); `make soak` (VMLAB_SOAK=1) runs seeds of 20000 calls
# for FUZZ_SECONDS (480). FUZZ_SEEDS="1 2 3" and FUZZ_CALLS=N pick them by hand, to reproduce a failure;
# FUZZ_KEEP=DIR keeps the stderr (and the start of stdout) of failing seeds there.
cd "$(dirname "$0")/../.."
VMLAB=${VMLAB:-build/rel/vmlab}
n=0
ok() { n=$((n + 1)); echo "ok $n - $1"; }
nok() { n=$((n + 1)); echo "not ok $n - $1"; }
bin=build/guest/fuzz_syscalls-O2
if [ ! -x "$VMLAB" ] || [ ! -x "$bin" ]; then
	echo "ok 1 - fuzz_syscalls # SKIP $VMLAB or $bin not built"
	exit 0
fi
if ! command -v perl >/dev/null; then
	echo "ok 1 - fuzz_syscalls # SKIP perl (to tell vmlab's death by a signal from its exit) is missing"
	exit 0
fi
VMLAB=$(cd "$(dirname "$VMLAB")" && pwd)/$(basename "$VMLAB")
# soak: seeds one after the other until FUZZ_SECONDS (tests/run.sh gives a script 600 s)
budget=0
if [ -n "$VMLAB_SOAK" ]; then
	seeds=${FUZZ_SEEDS:-$(seq 1 100000)} calls=${FUZZ_CALLS:-20000} budget=${FUZZ_SECONDS:-480}
elif [ "$VMLAB_BUILD" = san ]; then
	seeds=${FUZZ_SEEDS:-$(seq 1 6)} calls=${FUZZ_CALLS:-1500}
else
	seeds=${FUZZ_SEEDS:-$(seq 1 12)} calls=${FUZZ_CALLS:-3000}
fi
tmp=$(mktemp -d)
trap 'chmod -R u+rwx "$tmp" 2>/dev/null; rm -rf "$tmp"' EXIT
devnull_before=$(stat -c '%F %a %u:%g %t:%T' /dev/null)

# A fresh sandbox per seed: files, a directory tree, symbolic links (one dangling, one a
# loop) for the path calls to find; the program outside --rw so that it cannot change.
sandbox() {
	chmod -R u+rwx "$tmp/root" 2>/dev/null
	rm -rf "$tmp/root"
	mkdir -p "$tmp/root/bin" "$tmp/root/w/d/sub/deep" "$tmp/root/tmp"
	touch "$tmp/root/FUZZ-SANDBOX-ROOT"
	cp "$bin" "$tmp/root/bin/fuzz"
	printf 'hello\n' >"$tmp/root/w/f"
	printf 'g\n' >"$tmp/root/w/d/g"
	ln -s f "$tmp/root/w/l"
	ln -s nowhere "$tmp/root/w/dangling"
	ln -s loop "$tmp/root/w/loop"
	printf 'line one\nline two\n' >"$tmp/stdin"
}

# The fuzzer's last line; the guest may have seeked its stdout far into a sparse file.
summary() {
	tail -c 300 "$tmp/out" | tr -d '\0' | tail -1 | sed 's/^fuzz_syscalls: //' | tr -cd '[:print:]'
}

# Runs a command with a time limit and writes how it ended to a file: "exit N", "signal N"
# or "timeout". vmlab's status alone cannot tell its own death by a signal from a guest's
# (both are 128+N), and its report of the guest's end may be lost: the guest may have
# seeked the stderr it shares with vmlab past the file-size limit.
run_limited() { # result-file seconds command...
	perl -e '
		my ($res, $secs) = (shift, shift);
		my $pid = fork;
		if (!$pid) { exec @ARGV or exit 127 }
		my $timed_out = 0;
		local $SIG{ALRM} = sub { kill "KILL", $pid; $timed_out = 1 };
		alarm $secs;
		waitpid($pid, 0);
		my $s = $?;
		alarm 0;
		open(my $f, ">", $res) or die;
		print $f $timed_out ? "timeout\n" : ($s & 127) ? "signal " . ($s & 127) . "\n" : "exit " . ($s >> 8) . "\n";
	' "$@"
}

bad=0 total=0
for seed in $seeds; do
	[ "$budget" -gt 0 ] && [ "$SECONDS" -ge "$budget" ] && break
	sandbox
	total=$((total + 1))
	rm -f "$tmp"/san.*
	# files may grow to 1 GB (the guest may seek far and write, or truncate up);
	# sanitizer reports go to their own files, out of the guest's reach (ASan's; UBSan
	# writes to stderr whatever log_path says), and a sanitizer's death is status 86,
	# which the fuzzer never exits with
	(cd "$tmp/root/w" && ulimit -f 2097152 &&
		ASAN_OPTIONS="log_path=$tmp/san:exitcode=86:$ASAN_OPTIONS" \
		UBSAN_OPTIONS="log_path=$tmp/san:exitcode=86:print_stacktrace=1:$UBSAN_OPTIONS" \
		run_limited "$tmp/how" 300 "$VMLAB" run --root "$tmp/root" --rw "$tmp/root/w" \
		--max-insns=2000000000 -- /bin/fuzz "$seed" "$calls") <"$tmp/stdin" >"$tmp/out" 2>"$tmp/err"
	how=$(cat "$tmp/how" 2>/dev/null)
	why=""
	# (the end of stderr too, in case a report could not go to its file; the guest may
	# have made stderr a huge sparse file)
	if ls "$tmp"/san.* >/dev/null 2>&1 || [ "$how" = "exit 86" ] ||
		tail -c 1000000 "$tmp/err" | grep -aqE 'AddressSanitizer|LeakSanitizer|runtime error:'; then
		why="sanitizer report"
		cat "$tmp"/san.* 2>/dev/null | head -30 | sed 's/^/# /'
	elif [ "$how" = timeout ]; then
		why="no end within 300 s (hang)"
	elif [ "${how%% *}" != exit ]; then
		why="vmlab itself died (${how:-no status})"
	elif [ "$how" != "exit 0" ] && [ "${how#exit }" -le 128 ]; then
		# the guest's exit (execve of something that exits) or vmlab's own error
		head -c 100 "$tmp/out" | grep -q '^fuzz_syscalls: seed' || why="$how before the fuzzer ran"
	fi
	if [ -n "$why" ]; then
		bad=$((bad + 1))
		nok "seed $seed, $calls calls: $why"
		tail -c 1000000 "$tmp/err" | grep -avE 'vmlab: unimplemented syscall' | tail -20 | cut -c1-200 |
			tr -cd '[:print:]\n' | sed 's/^/# /'
		[ -n "$FUZZ_KEEP" ] && mkdir -p "$FUZZ_KEEP" && cp "$tmp/err" "$FUZZ_KEEP/$seed.err" &&
			head -c 1M "$tmp/out" >"$FUZZ_KEEP/$seed.out"
		echo "# reproduce: FUZZ_SEEDS=$seed FUZZ_CALLS=$calls VMLAB=$VMLAB $0"
	elif [ -z "$VMLAB_SOAK" ]; then
		ok "seed $seed, $calls calls: $how, $(summary)"
		[ -n "$FUZZ_KEEP" ] && mkdir -p "$FUZZ_KEEP" && cp "$tmp/err" "$FUZZ_KEEP/$seed.err"
	fi
done
[ -n "$VMLAB_SOAK" ] && [ "$bad" -eq 0 ] && ok "$total seeds (from ${seeds%%[!0-9]*}) of $calls calls: vmlab never crashed"
devnull_after=$(stat -c '%F %a %u:%g %t:%T' /dev/null)
[ "$devnull_before" = "$devnull_after" ] && ok "the host's /dev/null is unchanged ($devnull_after)" ||
	nok "the host's /dev/null changed: $devnull_before -> $devnull_after"
echo "1..$n"
