#!/bin/bash
# A program killed by an exception it does not handle (tests/guest/die_trap.c): vmlab ends
# with the status a native run of the same binary ends with (this x86-64 host runs it in
# compat mode through the same traps.c paths as i386) and its one-line report on stderr
# names what happened: the trap and error code for the faults that carry no address, the
# address for those that do, and "the signal frame could not be written" only when a
# handler's frame could not be written; also after the guest set O_DIRECT and O_NONBLOCK on
# the stderr it shares with vmlab.
cd "$(dirname "$0")/../.."
VMLAB=${VMLAB:-build/rel/vmlab}
n=0
ok() { n=$((n + 1)); echo "ok $n - $1"; }
nok() { n=$((n + 1)); echo "not ok $n - $1"; }
bin=build/guest/die_trap-O2
if [ ! -x "$VMLAB" ] || [ ! -x "$bin" ]; then
	echo "ok 1 - sig_reports # SKIP $VMLAB or $bin not built"
	exit 0
fi
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

# kind, status (128 + signal, as on Linux), the report vmlab must print (an ERE)
while read -r kind status report; do
	"$VMLAB" run -- "$bin" "$kind" >"$tmp/out" 2>"$tmp/err" </dev/null
	rc=$?
	# the native run is the oracle for the status, when this host can run it
	{ "$bin" "$kind" >/dev/null 2>&1 </dev/null; } 2>/dev/null
	nrc=$?
	if [ "$rc" -eq "$status" ] && { [ "$nrc" -eq "$status" ] || [ "$nrc" -eq 126 ] || [ "$nrc" -eq 127 ]; }; then
		ok "$kind: exit status $rc (native $nrc)"
	else
		nok "$kind: exit status $rc, native $nrc, expected $status"
	fi
	if grep -qE "^vmlab: killed by $report\$" "$tmp/err"; then
		ok "$kind: report names it"
	else
		nok "$kind: report names it"
		sed 's/^/# stderr: /' "$tmp/err" | head -3
	fi
done <<'CASES'
hlt 139 SIGSEGV \(general protection fault, trap 13, error code 0, eip 0x[0-9a-f]{8}\)
int1 139 SIGSEGV \(general protection fault, trap 13, error code 0xa, eip 0x[0-9a-f]{8}\)
np 135 SIGBUS \(segment not present, trap 11, error code 0x4, eip 0x[0-9a-f]{8}\)
icebp 133 SIGTRAP \(address 0x[0-9a-f]{8}\)
frame 139 SIGSEGV \(the signal frame could not be written\)
sigreturn 139 SIGSEGV \(sigreturn found no valid signal frame\)
odirect 139 SIGSEGV \(general protection fault, trap 13, error code 0, eip 0x[0-9a-f]{8}\)
CASES
echo "1..$n"
