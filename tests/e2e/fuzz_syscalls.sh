#!/bin/bash
# The system-call fuzzer (tests/guest/fuzz_syscalls.c) under vmlab: each seed makes COUNT
# random calls with adversarial arguments; whatever happens to the guest (an error, a
# signal, death), vmlab must not crash, hang or trip ASan/UBSan, and must end with a status
# it explains: 0 (all calls made), or 128+N with its one-line report on stderr.
# The guest runs in a scratch sandbox: --root is a temporary directory, --rw a directory
# inside it, stdin a temporary file and stdout/stderr files (never the host's /dev/null or
# a terminal: the guest may chmod, truncate or write its inherited descriptors), and the
# fuzzer refuses to run unless / holds FUZZ-SANDBOX-ROOT. The host's /dev/null is checked
# afterwards all the same.
# A short run here (a few seconds); `make soak` (VMLAB_SOAK=1) runs many more seeds and
# calls. FUZZ_SEEDS="1 2 3" and FUZZ_CALLS=N pick them by hand, to reproduce a failure.
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
VMLAB=$(cd "$(dirname "$VMLAB")" && pwd)/$(basename "$VMLAB")
if [ -n "$VMLAB_SOAK" ]; then
	seeds=${FUZZ_SEEDS:-$(seq 1 400)} calls=${FUZZ_CALLS:-20000}
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
	tail -c 300 "$tmp/out" | tr -d '\0' | tail -1 | sed 's/^fuzz_syscalls: //'
}

bad=0 total=0
for seed in $seeds; do
	sandbox
	total=$((total + 1))
	# files may grow to 1 GB (the guest may seek far and write, or truncate up)
	(cd "$tmp/root/w" && ulimit -f 2097152 && exec timeout -s KILL 300 "$VMLAB" run --root "$tmp/root" --rw "$tmp/root/w" \
		--max-insns=2000000000 -- /bin/fuzz "$seed" "$calls") <"$tmp/stdin" >"$tmp/out" 2>"$tmp/err"
	rc=$?
	why=""
	if grep -aqE 'AddressSanitizer|LeakSanitizer|UndefinedBehaviorSanitizer|runtime error:' "$tmp/err"; then
		why="sanitizer report"
	elif [ "$rc" -eq 137 ] && ! grep -aqE 'vmlab: (killed by SIGKILL|.*would wait forever|out of memory)' "$tmp/err"; then
		why="killed (hang: no end within 300 s?)"
	elif [ "$rc" -gt 128 ] && ! grep -aqE 'vmlab: (killed by|stopped after|.*would wait forever)' "$tmp/err"; then
		why="status $rc without vmlab's report: vmlab itself died"
	elif [ "$rc" -ne 0 ] && [ "$rc" -le 128 ]; then
		# the guest's exit (execve of something that exits) or vmlab's own error
		head -c 100 "$tmp/out" | grep -q '^fuzz_syscalls: seed' || why="status $rc before the fuzzer ran"
	fi
	if [ -n "$why" ]; then
		bad=$((bad + 1))
		nok "seed $seed, $calls calls: $why"
		grep -avE 'vmlab: unimplemented syscall' "$tmp/err" | head -20 | sed 's/^/# /'
		echo "# reproduce: FUZZ_SEEDS=$seed FUZZ_CALLS=$calls VMLAB=$VMLAB $0"
	elif [ -z "$VMLAB_SOAK" ]; then
		ok "seed $seed, $calls calls: status $rc, $(summary)"
	fi
done
[ -n "$VMLAB_SOAK" ] && [ "$bad" -eq 0 ] && ok "$total seeds of $calls calls: vmlab never crashed"
devnull_after=$(stat -c '%F %a %u:%g %t:%T' /dev/null)
[ "$devnull_before" = "$devnull_after" ] && ok "the host's /dev/null is unchanged ($devnull_after)" ||
	nok "the host's /dev/null changed: $devnull_before -> $devnull_after"
echo "1..$n"
