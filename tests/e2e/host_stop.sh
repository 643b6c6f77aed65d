#!/bin/bash
# A signal sent to vmlab (SIGTERM, SIGINT, SIGHUP, SIGQUIT) stops the guest between two
# instructions and ends the run as that signal would end a Linux process: dirty pages of
# its shared file mappings reach the file (never those of a private mapping), --stats is
# still printed, the status is 128 + N. The guest (tests/guest/host_stop.c) says "ready"
# once its mappings are dirty, then spins, or blocks reading a pipe that never delivers.
cd "$(dirname "$0")/../.."
VMLAB=${VMLAB:-build/rel/vmlab}
n=0
ok() { n=$((n + 1)); echo "ok $n - $1"; }
nok() { n=$((n + 1)); echo "not ok $n - $1"; }
bin=$PWD/build/guest/host_stop-O2
if [ ! -x "$VMLAB" ] || [ ! -x "$bin" ]; then
	echo "ok 1 - host_stop # SKIP $VMLAB or $bin not built"
	exit 0
fi
VMLAB=$(cd "$(dirname "$VMLAB")" && pwd)/$(basename "$VMLAB")
tmp=$(mktemp -d)
holder=
trap 'rm -rf "$tmp"; [ -n "$holder" ] && kill $holder 2>/dev/null' EXIT

# background jobs of a script ignore SIGINT and SIGQUIT (and vmlab keeps them ignored):
# coreutils' env (8.31 and later) can give them back their default action
dflt="env --default-signal=INT,QUIT"
$dflt true 2>/dev/null || dflt=env

# sig, status, how (spin|read), extra vmlab options
while read -r sig status how opts; do
	label="SIG$sig ($how${opts:+ $opts})"
	if [ "$dflt" = env ] && { [ "$sig" = INT ] || [ "$sig" = QUIT ]; }; then
		n=$((n + 1))
		echo "ok $n - $label # SKIP env --default-signal is missing"
		continue
	fi
	rm -f "$tmp/shared" "$tmp/out" "$tmp/err"
	printf 'original private file\n' >"$tmp/private"
	if [ "$how" = read ]; then
		mkfifo "$tmp/fifo.$n"
		sleep 300 >"$tmp/fifo.$n" &
		holder=$!
		$dflt "$VMLAB" run $opts -- "$bin" "$tmp/shared" "$tmp/private" read \
			<"$tmp/fifo.$n" >"$tmp/out" 2>"$tmp/err" &
	else
		$dflt "$VMLAB" run $opts -- "$bin" "$tmp/shared" "$tmp/private" \
			</dev/null >"$tmp/out" 2>"$tmp/err" &
	fi
	pid=$!
	for _ in $(seq 300); do
		grep -q ready "$tmp/out" 2>/dev/null && break
		sleep 0.1
	done
	if ! grep -q ready "$tmp/out"; then
		nok "$label: the guest got ready"
		kill -KILL $pid 2>/dev/null
		wait $pid 2>/dev/null
		continue
	fi
	sleep 0.2
	kill -"$sig" $pid
	# at most 60 s to stop (the sanitizer build is slow)
	for _ in $(seq 600); do kill -0 $pid 2>/dev/null || break; sleep 0.1; done
	if kill -0 $pid 2>/dev/null; then
		kill -KILL $pid
		nok "$label: vmlab stopped within 60 s"
	fi
	wait $pid
	rc=$?
	if [ -n "$holder" ]; then kill $holder 2>/dev/null; wait $holder 2>/dev/null; holder=; fi
	[ "$rc" -eq "$status" ] && ok "$label: exit status $rc" || nok "$label: exit status $rc, expected $status"
	want=$(printf 'shared 0\nshared 1\nshared 2')
	got=$(tr -s '\0' '\n' <"$tmp/shared" 2>/dev/null | grep -a . )
	size=$(stat -c %s "$tmp/shared" 2>/dev/null)
	if [ "$got" = "$want" ] && [ "$size" = 12288 ]; then
		ok "$label: the shared mapping's dirty pages reached the file"
	else
		nok "$label: the shared mapping's dirty pages reached the file (size $size)"
		echo "$got" | sed 's/^/# file: /' | head -3
	fi
	grep -qx 'original private file' "$tmp/private" && ok "$label: the private mapping's write did not" ||
		nok "$label: the private mapping's write did not"
	grep -q "^vmlab: stopped by SIG$sig sent to vmlab, after [0-9]* instructions$" "$tmp/err" &&
		ok "$label: the stop is reported" || { nok "$label: the stop is reported"; sed 's/^/# /' "$tmp/err" | head -3; }
	case $opts in
	*--stats=json*) grep -q '"instructions": [1-9]' "$tmp/err" && ok "$label: JSON statistics printed" ||
		nok "$label: JSON statistics printed" ;;
	*--stats*) grep -q '^instructions retired: [1-9]' "$tmp/err" && ok "$label: statistics printed" ||
		nok "$label: statistics printed" ;;
	esac
	if [ "$how" = read ]; then
		grep -q 'read returned' "$tmp/out" && nok "$label: the guest never ran after the stop" ||
			ok "$label: the guest never ran after the stop"
	fi
done <<'CASES'
TERM 143 spin --stats
INT 130 spin
HUP 129 spin --no-jit --stats=json
QUIT 131 spin --paging=pae
TERM 143 read --stats
INT 130 read
CASES
echo "1..$n"
