#!/bin/bash
# A program killed by an exception it does not handle (tests/guest/die_trap.c): vmlab ends
# with the status a native run of the same binary ends with (this x86-64 host runs it in
# compat mode through the same traps.c paths as i386) and its one-line report on stderr
# names what happened: the trap and error code for the faults that carry no address, the
# address for those that do, and "the signal frame could not be written" only when a
# handler's frame could not be written; also after the guest set O_DIRECT and O_NONBLOCK on
# the stderr it shares with vmlab. Page faults also name the access (read/write/exec, from
# the error code), the error code, the si_code, the VMA or "no VMA", "stack limit reached"
# when the stack could not grow past RLIMIT_STACK, and the eip with its symbol.
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
hlt 139 SIGSEGV \(general protection fault, trap 13, error code 0, eip 0x[0-9a-f]{8} <main\+0x[0-9a-f]+>\)
int1 139 SIGSEGV \(general protection fault, trap 13, error code 0xa, eip 0x[0-9a-f]{8} <main\+0x[0-9a-f]+>\)
np 135 SIGBUS \(segment not present, trap 11, error code 0x4, eip 0x[0-9a-f]{8} <main\+0x[0-9a-f]+>\)
icebp 133 SIGTRAP \(address 0x[0-9a-f]{8}; trap 1, error code 0, si_code 1 TRAP_BRKPT, eip 0x[0-9a-f]{8} <main\+0x[0-9a-f]+>\)
frame 139 SIGSEGV \(the signal frame could not be written\)
sigreturn 139 SIGSEGV \(sigreturn found no valid signal frame\)
odirect 139 SIGSEGV \(general protection fault, trap 13, error code 0, eip 0x[0-9a-f]{8} <main\+0x[0-9a-f]+>\)
nullread 139 SIGSEGV \(address 0x00000000, no VMA; read, error code 0x4, si_code 1 SEGV_MAPERR, eip 0x[0-9a-f]{8} <main\+0x[0-9a-f]+>\)
rowrite 139 SIGSEGV \(address 0x[0-9a-f]{8} in r-xp [0-9a-f]{8}-[0-9a-f]{8} /[^ ]*/die_trap-O2; write, error code 0x7, si_code 2 SEGV_ACCERR, eip 0x[0-9a-f]{8} <main\+0x[0-9a-f]+>\)
jump 139 SIGSEGV \(address 0x00010000, no VMA; exec, error code 0x4, si_code 1 SEGV_MAPERR, eip 0x00010000\)
recurse 139 SIGSEGV \(address 0x[0-9a-f]{8}, no VMA; write, error code 0x6, si_code 1 SEGV_MAPERR, stack limit reached, eip 0x[0-9a-f]{8} <recurse\+0x[0-9a-f]+>\)
CASES

# With NX (PAE paging) the error code itself says "instruction fetch" (PF_I, 0x10)
"$VMLAB" run --paging=pae -- "$bin" jump >/dev/null 2>"$tmp/err" </dev/null
if [ $? -eq 139 ] && grep -qE "^vmlab: killed by SIGSEGV \(address 0x00010000, no VMA; exec, error code 0x14, si_code 1 SEGV_MAPERR, eip 0x00010000\)\$" "$tmp/err"; then
	ok "jump with --paging=pae: exec, error code 0x14"
else
	nok "jump with --paging=pae: exec, error code 0x14"
	sed 's/^/# stderr: /' "$tmp/err" | head -3
fi

# Without symbols the report still names the instruction, by address only: a stripped
# copy, and one whose section-header offset and symbol-table sizes point past the file
# (the program headers, all exec reads, stay valid).
if cp "$bin" "$tmp/stripped" && strip "$tmp/stripped" 2>/dev/null; then
	"$VMLAB" run -- "$tmp/stripped" nullread >/dev/null 2>"$tmp/err" </dev/null
	if [ $? -eq 139 ] && grep -qE "^vmlab: killed by SIGSEGV \(address 0x00000000, no VMA; read, error code 0x4, si_code 1 SEGV_MAPERR, eip 0x[0-9a-f]{8}\)\$" "$tmp/err"; then
		ok "stripped: report gives the eip without a symbol"
	else
		nok "stripped: report gives the eip without a symbol"
		sed 's/^/# stderr: /' "$tmp/err" | head -3
	fi
else
	ok "stripped # SKIP no strip"
fi
bad=$tmp/badsyms
python3 - "$bin" "$bad" <<'PY'
import struct, sys
b = bytearray(open(sys.argv[1], 'rb').read())
shoff, = struct.unpack_from('<I', b, 32)
shnum, = struct.unpack_from('<H', b, 48)
for i in range(shnum):
    o = shoff + 40 * i
    if struct.unpack_from('<I', b, o + 4)[0] in (2, 3):  # SHT_SYMTAB, SHT_STRTAB: sizes past the end
        struct.pack_into('<II', b, o + 16, 0xfffffff0, 0x7ffffff0)
open(sys.argv[2], 'wb').write(b)
PY
chmod +x "$bad"
"$VMLAB" run -- "$bad" nullread >/dev/null 2>"$tmp/err" </dev/null
rc=$?
if [ $rc -eq 139 ] && grep -qE "^vmlab: killed by SIGSEGV \(address 0x00000000, no VMA; read, .*, eip 0x[0-9a-f]{8}\)\$" "$tmp/err"; then
	ok "malformed symbol table: report without a symbol"
else
	nok "malformed symbol table: report without a symbol (status $rc)"
	sed 's/^/# stderr: /' "$tmp/err" | head -3
fi
echo "1..$n"
