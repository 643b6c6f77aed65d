#!/bin/bash
# vmlab run -g: Debian's gdb in batch mode against tests/guest/gdb_target.c (built without
# -g: symbols come from the ELF's symbol table, variables are read through casts): break at
# a function, continue, stepi/next, registers, memory read and write, watchpoints (write,
# read, access), each monitor command, the guest's SIGSEGV, a fork (the child is not
# followed), its exit status, gdb's kill and detach, Ctrl-C, and hostile bytes on the
# socket. Ports: vmlab binds port 0 and prints the one it got, so parallel runs never collide.
cd "$(dirname "$0")/../.."
VMLAB=${VMLAB:-build/rel/vmlab}
GUEST=$PWD/build/guest/gdb_target-O0
n=0
ok() { n=$((n + 1)); echo "ok $n - $1"; }
fail() {
	n=$((n + 1))
	echo "not ok $n - $1"
	[ -n "$2" ] && sed 's/^/#   /' "$2" | head -40
}
if ! command -v gdb >/dev/null; then
	echo "ok 1 - # SKIP gdb is not installed (scripts/deps.sh installs it: OPTIONAL)"
	echo "1..1"
	exit 0
fi
if [ ! -x "$VMLAB" ] || [ ! -x "$GUEST" ]; then
	echo "not ok 1 - $VMLAB and $GUEST exist (make all guests)"
	echo "1..1"
	exit 1
fi
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
COUNTER=0x$(nm "$GUEST" | awk '$3 == "counter" {print $1}')
TABLE=0x$(nm "$GUEST" | awk '$3 == "table" {print $1}')
ADD_STEP=0x$(nm "$GUEST" | awk '$3 == "add_step" {print $1}')
ADD_STEP_SHORT=$(printf '0x%x' $((ADD_STEP))) # as `info registers` prints it
CTR_PTI=$(printf '0x%03x' $(((COUNTER >> 12) & 0x3ff)))  # its page-table index
CTR_PAGE=$(printf '0x%08x' $((COUNTER & ~0xfff)))

# start NAME [vmlab options] -- [guest args]: vmlab waits for gdb; sets PORT and VPID.
start() {
	local name=$1
	shift
	local opts=() args=()
	while [ $# -gt 0 ] && [ "$1" != "--" ]; do opts+=("$1"); shift; done
	[ "$1" = "--" ] && shift
	args=("$@")
	"$VMLAB" run "${opts[@]}" -g 0 "${PROG:-$GUEST}" "${args[@]}" >"$tmp/$name.out" 2>"$tmp/$name.err" &
	VPID=$!
	PORT=
	for _ in $(seq 100); do
		PORT=$(sed -n 's/^vmlab: waiting for gdb on localhost:\([0-9]*\) .*/\1/p' "$tmp/$name.err" 2>/dev/null)
		[ -n "$PORT" ] && return 0
		sleep 0.05
	done
	return 1
}
# rungdb NAME gdb-commands...: batch gdb against PORT; output in $tmp/NAME.gdb
rungdb() {
	local name=$1
	shift
	local ex=()
	for c in "$@"; do ex+=(-ex "$c"); done
	timeout 120 gdb -batch -nx -ex "set pagination off" -ex "target remote :$PORT" "${ex[@]}" \
		"${PROG:-$GUEST}" >"$tmp/$name.gdb" 2>&1
}
finish() { # waits for vmlab; sets RC
	timeout 60 tail -s 0.05 --pid="$VPID" -f /dev/null || kill "$VPID" 2>/dev/null
	wait "$VPID"
	RC=$?
}
expect() { # name, file, regex
	if grep -Eq "$3" "$2"; then ok "$1"; else fail "$1 (no /$3/)" "$2"; fi
}

for engine in jit no-jit; do
	opt=()
	[ $engine = no-jit ] && opt=(--no-jit)
	start break-$engine "${opt[@]}" -- || fail "$engine: vmlab listens"
	rungdb break-$engine "break add_step" "continue" "info registers eip esp eflags cs" "bt" \
		"x/4wx $TABLE" "print/x *(int*)$COUNTER" "set var *(int*)$COUNTER = 1000" \
		"print/x \$fctrl" "print/x \$mxcsr" "set var \$edx = 0x1234" "print/x \$edx" "stepi" \
		"info registers eip" "stepi 2" "info registers eip" "delete" "next" "continue"
	finish
	f=$tmp/break-$engine.gdb
	expect "$engine: breakpoint at add_step (symbol from the ELF)" "$f" \
		"^Breakpoint 1, $ADD_STEP in add_step \(\)"
	expect "$engine: registers read (eip at the breakpoint, user CS 0x73)" "$f" \
		"^eip +$ADD_STEP_SHORT +$ADD_STEP_SHORT <add_step>"
	expect "$engine: cs is the user code selector" "$f" "^cs +0x73 "
	expect "$engine: backtrace reaches main" "$f" "^#1 +0x[0-9a-f]+ in main \(\)"
	expect "$engine: memory read (the table's first words)" "$f" \
		"0x00000001	0x00000002	0x00000003	0x00000005"
	expect "$engine: a global read before it is written" "$f" '^\$1 = 0x0'
	expect "$engine: x87 control word (FNINIT's 0x37f)" "$f" '^\$2 = 0x37f$'
	expect "$engine: MXCSR (0x1f80 at exec)" "$f" '^\$3 = 0x1f80$'
	expect "$engine: a register written (P) and read back" "$f" '^\$4 = 0x1234$'
	expect "$engine: stepi moves one instruction (push %ebp is 1 byte)" "$f" \
		"^eip +$(printf '0x%x' $((ADD_STEP + 1))) "
	expect "$engine: stepi 2 moves two more (mov %esp,%ebp; mov counter,%edx)" "$f" \
		"^eip +$(printf '0x%x' $((ADD_STEP + 9))) "
	expect "$engine: next returns to main" "$f" "in main \(\)"
	expect "$engine: gdb sees the exit status (1087 & 0x7f = 077)" "$f" \
		"exited with code 077"
	if [ $RC -eq 63 ] && grep -q "counter 1087" "$tmp/break-$engine.out"; then
		ok "$engine: the memory write reached the program (counter 1087, status 63)"
	else
		fail "$engine: the memory write reached the program (status $RC)" "$tmp/break-$engine.out"
	fi
done

start watch -- || fail "watch: vmlab listens"
rungdb watch "watch *(int*)$COUNTER" "continue" "continue" "delete" \
	"rwatch *(int*)$COUNTER" "continue" "delete" "awatch *(int*)$COUNTER" "continue" \
	"delete" "continue"
finish
f=$tmp/watch.gdb
expect "watch: a write watchpoint fires with the old and new value" "$f" \
	"Old value = 0"
expect "watch: the second write (1 -> 3)" "$f" "New value = 3"
expect "watch: a read watchpoint fires" "$f" "^Hardware read watchpoint 2: .*"
expect "watch: an access watchpoint fires" "$f" "^Value = [0-9]+"
expect "watch: the program ends normally afterwards (87 = 0127)" "$f" "exited with code 0127"
[ $RC -eq 87 ] && ok "watch: vmlab's status is the program's (87)" || fail "watch: status $RC"

start monitor -- || fail "monitor: vmlab listens"
rungdb monitor "break add_step" "continue" "monitor stats" "monitor translate $COUNTER write" \
	"monitor pte $COUNTER" "monitor maps" "monitor tlb" "monitor stats" "monitor bogus" \
	"monitor help" "delete" "continue"
finish
f=$tmp/monitor.gdb
expect "monitor translate: the walk, step by step" "$f" \
	"^    PTE   table 0x[0-9a-f]+ \+ $CTR_PTI\*4 = 0x[0-9a-f]+: 0x[0-9a-f]+  P RW US A D"
expect "monitor translate: the physical address and the VMA" "$f" \
	"^  VMA: in rw-p [0-9a-f]{8}-[0-9a-f]{8} .*gdb_target-O0"
expect "monitor pte: the PDE and the PTE" "$f" "^  PTE   \[$CTR_PTI\] at 0x[0-9a-f]+ = 0x[0-9a-f]+  P RW US A D"
expect "monitor maps: the program's mappings" "$f" "^bffdf000-c0000000 rw-p 00000000 00:00 0 +\[stack\]"
expect "monitor tlb: entries with their bits" "$f" "page $CTR_PAGE \(4 KB\) -> frame 0x[0-9a-f]+  RW=1 US=1"
expect "monitor stats: counters" "$f" "^  tlb_lookups +[0-9]+ lookups"
expect "monitor: an unknown command says so" "$f" "unknown monitor command 'bogus'"
if [ "$(grep -E '^  (tlb_lookups|tlb_hits|page_walks) ' "$f" | sort | uniq -c | awk '$1 != 2' | wc -l)" = 0 ] &&
	[ "$(grep -c '^  tlb_lookups ' "$f")" = 2 ]; then
	ok "monitor: translate/pte/tlb/maps change no TLB statistics"
else
	fail "monitor: translate/pte/tlb/maps change no TLB statistics" "$f"
fi
[ $RC -eq 87 ] && ok "monitor: the program ends normally (87)" || fail "monitor: status $RC"

# PAE: the walk has three levels, entries are 64-bit
start pae --paging=pae -- || fail "pae: vmlab listens"
rungdb pae "break add_step" "continue" "monitor translate $COUNTER" "monitor pte $COUNTER" \
	"x/4wx $TABLE" "delete" "continue"
finish
f=$tmp/pae.gdb
expect "pae: monitor translate walks PDPTE, PDE, PTE" "$f" "^    PDPTE CR3 0x[0-9a-f]+ -> table"
expect "pae: monitor pte shows 64-bit entries" "$f" "^  PTE   \[0x[0-9a-f]{3}\] at 0x[0-9a-f]+ = 0x[0-9a-f]{16}  P RW US A D"
expect "pae: memory reads through the PAE tables" "$f" "0x00000001	0x00000002	0x00000003	0x00000005"
[ $RC -eq 87 ] && ok "pae: the program ends normally (87)" || fail "pae: status $RC" "$tmp/pae.err"

start segv -- segv || fail "segv: vmlab listens"
rungdb segv "continue" "info registers eip" "continue"
finish
f=$tmp/segv.gdb
expect "segv: gdb stops at the guest's SIGSEGV" "$f" "Program received signal SIGSEGV"
expect "segv: the faulting instruction is in main" "$f" "^eip +0x[0-9a-f]+ +0x[0-9a-f]+ <main\+[0-9]+>"
expect "segv: passing the signal kills the program" "$f" "Program terminated with signal SIGSEGV"
[ $RC -eq 139 ] && ok "segv: vmlab's status is 128 + SIGSEGV" || fail "segv: status $RC" "$tmp/segv.err"

# A signal with a handler (die_abort: SIGABRT caught, then abort's second raise kills):
# stepi with the signal enters the handler and stops at its first instruction.
H=0x$(nm "$PWD/build/guest/die_abort-O0" | awk '$3 == "h" {print $1}')
PROG=$PWD/build/guest/die_abort-O0 start handler -- || fail "handler: vmlab listens"
PROG=$PWD/build/guest/die_abort-O0 \
	rungdb handler "continue" "stepi" "info registers eip" "continue" "continue"
finish
f=$tmp/handler.gdb
expect "handler: gdb stops at the guest's SIGABRT" "$f" "Program received signal SIGABRT"
expect "handler: stepi delivers it and stops at the handler's first instruction" "$f" \
	"^eip +$(printf '0x%x' $((H))) +$(printf '0x%x' $((H))) <h>"
expect "handler: abort's second SIGABRT kills the program" "$f" "Program terminated with signal SIGABRT"
[ $RC -eq 134 ] && grep -q "handler ran" "$tmp/handler.out" && ok "handler: the handler ran, status 134" ||
	fail "handler: the handler ran, status 134 (status $RC)" "$tmp/handler.out"

# fork: the stub follows the process vmlab started; the child's add_step does not stop.
start fork -- fork || fail "fork: vmlab listens"
rungdb fork "break add_step" "continue" "continue" "continue" "continue" "continue" \
	"continue" "continue" "continue" "continue" "continue"
finish
hits=$(grep -c "^Breakpoint 1, " "$tmp/fork.gdb")
if [ "$hits" -eq 8 ] && [ $RC -eq 87 ] && grep -q "exited with code 0127" "$tmp/fork.gdb"; then
	ok "fork: the 8 calls of the parent stop, the child's does not; both end normally"
else
	fail "fork: the parent's 8 calls stop, the child's does not ($hits stops, status $RC)" "$tmp/fork.gdb"
fi

start kill -- || fail "kill: vmlab listens"
rungdb kill "break add_step" "continue" "kill"
finish
[ $RC -eq 137 ] && ok "kill: gdb's kill ends the program (137)" || fail "kill: status $RC" "$tmp/kill.err"

start detach -- || fail "detach: vmlab listens"
rungdb detach "break add_step" "continue" "detach"
finish
if [ $RC -eq 87 ] && grep -q "counter 87" "$tmp/detach.out"; then
	ok "detach: the program runs on to its end without gdb"
else
	fail "detach: the program runs on to its end without gdb (status $RC)" "$tmp/detach.err"
fi

# Hostile bytes: bad checksums, junk, malformed packets, a huge packet, then a detach.
# vmlab answers what it can, never crashes, and the program runs on once gdb is gone.
pkt() { # a framed packet with its checksum
	local s=$1 sum=0 i
	for ((i = 0; i < ${#s}; i++)); do
		sum=$(((sum + $(printf '%d' "'${s:i:1}")) % 256))
	done
	printf '$%s#%02x' "$s" "$sum"
}
start junk -- || fail "junk: vmlab listens"
{
	printf '$g#00'
	printf 'garbage\x03\x00\xff}}}##'
	pkt "m zz"
	pkt "mffffffff,ffffffff"
	pkt "M0,4:zz"
	pkt "Z0"
	pkt "Z9,1,1"
	pkt "P99=00"
	pkt "qRcmd,6"
	pkt "qXfer:features:read:target.xml:zz"
	pkt "vCont;x"
	printf '$'
	head -c 40000 /dev/zero | tr '\0' 'A'
	printf '#00'
	pkt "g"
	pkt "D"
} | timeout 20 bash -c "exec 3<>/dev/tcp/127.0.0.1/$PORT 4<&0; cat <&4 >&3 & cat <&3 > '$tmp/junk.replies'" 2>/dev/null
finish
if [ $RC -eq 87 ] && grep -q "counter 87" "$tmp/junk.out"; then
	ok "junk: malformed packets are refused and the program runs on after the detach"
else
	fail "junk: malformed packets are refused and the program runs on (status $RC)" "$tmp/junk.err"
fi
expect "junk: the good 'g' packet got the registers" "$tmp/junk.replies" '\$[0-9a-f]{600,}#'
expect "junk: bad packets were answered with errors" "$tmp/junk.replies" '\$E01#'

# gdb's Ctrl-C: the interrupt byte while the program runs stops it with SIGINT (T02); then
# gdb's kill. bench_cpu 50 would run for many seconds.
PROG=$PWD/build/guest/bench_cpu-O2 start intr -- 50 || fail "intr: vmlab listens"
{
	pkt "c"
	sleep 0.3
	printf '\x03'
	sleep 0.3
	pkt "k"
} | timeout 20 bash -c "exec 3<>/dev/tcp/127.0.0.1/$PORT 4<&0; cat <&4 >&3 & cat <&3 > '$tmp/intr.replies'" 2>/dev/null
finish
expect "intr: Ctrl-C in gdb stops the running program with SIGINT" "$tmp/intr.replies" '\$T02thread:'
[ $RC -eq 137 ] && ok "intr: then gdb's kill ends it (137)" || fail "intr: status $RC" "$tmp/intr.err"

# SIGTERM to vmlab while it waits for gdb: it stops waiting, status 128 + 15
start noconn -- || fail "noconn: vmlab listens"
kill -TERM "$VPID"
finish
[ $RC -eq 143 ] && grep -q "stopped by SIGTERM while waiting for gdb" "$tmp/noconn.err" &&
	ok "SIGTERM while waiting for gdb ends vmlab with 143" ||
	fail "SIGTERM while waiting for gdb ends vmlab with 143 (status $RC)" "$tmp/noconn.err"

# -g's argument
"$VMLAB" run -g 70000 "$GUEST" >"$tmp/bad.out" 2>&1
[ $? -ne 0 ] && grep -q "bad -g port" "$tmp/bad.out" && ok "a bad port is refused" || fail "a bad port is refused" "$tmp/bad.out"
echo "1..$n"
