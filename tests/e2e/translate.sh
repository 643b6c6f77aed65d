#!/bin/bash
# vmlab translate end to end: the bundled examples against hand-checked expected output,
# the README example, quiz determinism and the quiz -> answers round trip, bad input.
#
# The expected files were produced by vmlab and then checked by hand, line by line:
#  translate-2level-walk.txt: 0x08048abc -> directory 0x08048abc>>22 = 0x20, table
#    (0x08048abc>>12)&0x3ff = 0x48; PDE at 0x1000+0x20*4 = 0x1080, PTE at 0x2000+0x48*4 =
#    0x2120 -> frame 0x123000 + 0xabc = 0x123abc. 0x08049010 write: PTE 0x2124 is P US
#    without RW, user write -> #PF P|W|U = 0x7. 0x0804a000: PTE 0x2128 = 0 -> #PF U = 0x4.
#    0xC0123456: PDE 0x1000+0x300*4 = 0x1c00, PS with CR4.PSE -> 4 MB page at 0, U/S=0 ->
#    user read #PF P|U = 0x5; kernel read -> 0 + (0xC0123456 & 0x3fffff) = 0x123456.
#    The GDT at 0xC0010000 sits in that 4 MB page, so the segment loads set A and D there
#    (0x83|G -> 0x1e3) and the descriptors' Accessed bit (0xf2 -> 0xf3).
#  translate-pae-walk.txt: 0x08048123 -> PDPT index 0, PD index (>>21)&0x1ff = 0x40,
#    PT index 0x48; PDPTE 0x1000, PDE 0x2000+0x40*8 = 0x2200, PTE 0x4000+0x48*8 = 0x4240 ->
#    0x123123; the TLB (16x4) misses, then the write to the same page hits a clean entry
#    and walks again to set D (0x27 -> 0x67). Fetch at 0x08049abc: PTE 0x4248 has XD with
#    EFER.NXE -> #PF P|U|I = 0x15. 0xC0123456: PDPTE 3 at 0x1018, PDE 0x3000 is a 2 MB page
#    at 0 -> 0x123456; the same address from user mode hits the cached supervisor entry
#    -> #PF 0x5 with no walk. 0x40000000: PDPTE 1 at 0x1008 is 0 -> #PF 0x0.
#  translate-segments.txt: ES = 0x0f is index 1 TI 1 RPL 3 -> LDT base 0x20000 + 8 =
#    0x20008, base 0x400000 -> 0x400abc; 4 bytes at 0xffe end at 0x1001 > limit 0xfff ->
#    #GP(0). SS expand-down limit 0x7fff B=0: valid 0x8000..0xffff, 0x9000 -> 0x309000,
#    0x7ffc -> #SS(0). GS G=1 limit 3 -> byte limit 0x3fff, 0x3ffc+3 fits -> 0x103ffc; a
#    write to a read-only data or a code segment -> #GP(0). FS = 0x30 is not present ->
#    #NP with error code 0x30 (index 6).
#  translate-tlb-stale.txt: the D-TLB entry for 0x08048000 gives 0x999000 + 0x10 =
#    0x999010 although the PTE at 0x2000+0x48*4 now says 0x123000 (0x123010); the I-TLB
#    entry serves the fetch from 0x08049010 -> 0x777010 though PTE 0x49 is 0; 0x0804a010
#    and the fetch from 0x08048010 miss their TLB: refill exceptions, no walk.
#  translate-pae-reserved.txt: EFER.NXE=0, so XD (bit 63) in PTE 0 is reserved -> #PF
#    P|RSVD = 0x9; PTE 1 has bit 36 = MAXPHYADDR -> write #PF P|W|RSVD = 0xb; PDPTE 1 has
#    R/W (bit 1, reserved in a PDPTE) -> 0x9; the 2 MB PDE 1 has bit 13 -> 0x9; PTE 2 is
#    normal: 0x2010 -> 0x7000 + 0x10 = 0x7010.
#  translate-quick.txt (the README example): 0x08048abc -> PDE 0x1080, PTE 0x2120 ->
#    0x123abc; the write hits a read-only PTE -> #PF 0x7.
cd "$(dirname "$0")/../.."
VMLAB=${VMLAB:-build/rel/vmlab}
if [ ! -x "$VMLAB" ]; then
	echo "not ok 1 - vmlab binary $VMLAB exists (build it first)"
	echo "1..1"
	exit 1
fi
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
n=0
ok() { n=$((n + 1)); echo "ok $n - $1"; }
fail() {
	n=$((n + 1))
	echo "not ok $n - $1"
	[ -n "$2" ] && sed 's/^/#   /' "$2" | head -20
}
check() { # name, command... : passes when the command succeeds
	local name=$1
	shift
	if "$@" >"$tmp/check.out" 2>&1; then ok "$name"; else fail "$name" "$tmp/check.out"; fi
}

for ex in pae-walk 2level-walk segments tlb-stale pae-reserved quick; do
	"$VMLAB" translate "examples/$ex.vm" >"$tmp/$ex.out" 2>"$tmp/$ex.err"
	rc=$?
	if [ $rc -eq 0 ] && diff -u "tests/e2e/expected/translate-$ex.txt" "$tmp/$ex.out" >"$tmp/diff"; then
		ok "examples/$ex.vm matches the hand-checked expected output"
	else
		fail "examples/$ex.vm matches the hand-checked expected output (rc $rc)" "$tmp/diff"
	fi
done

# The README's example: the command after the marker and the output block under it.
awk '/<!-- translate-example -->/{on=1; next} on && /^```text/{p=1; next} on && p && /^```/{exit} p' \
	README.md >"$tmp/readme.out"
cmd=$(awk '/<!-- translate-example -->/{on=1; next} on && /^\$ vmlab /{sub(/^\$ vmlab /, ""); print; exit}' README.md)
if [ -n "$cmd" ] && [ -s "$tmp/readme.out" ]; then
	# shellcheck disable=SC2086
	"$VMLAB" $cmd >"$tmp/readme.actual" 2>&1
	if diff -u "$tmp/readme.out" "$tmp/readme.actual" >"$tmp/diff"; then
		ok "README example ($cmd) prints what the README shows"
	else
		fail "README example ($cmd) prints what the README shows" "$tmp/diff"
	fi
else
	fail "README has a translate example under <!-- translate-example -->"
fi

# make run uses the PAE example: it must exist and succeed
check "make run's example examples/pae-walk.vm translates with status 0" "$VMLAB" translate examples/pae-walk.vm

# Quiz: same seed -> same text, different seeds -> different text, answers deterministic.
"$VMLAB" translate --quiz 42 >"$tmp/q1" && "$VMLAB" translate --quiz 42 >"$tmp/q2"
check "quiz: the same seed gives the same exercise" cmp "$tmp/q1" "$tmp/q2"
"$VMLAB" translate --quiz 43 >"$tmp/q3"
if ! cmp -s "$tmp/q1" "$tmp/q3"; then ok "quiz: different seeds give different exercises"; else fail "quiz: different seeds give different exercises"; fi
"$VMLAB" translate --quiz 42 --answers >"$tmp/a1" && "$VMLAB" translate --quiz 42 --answers >"$tmp/a2"
check "quiz: the same seed gives the same answers" cmp "$tmp/a1" "$tmp/a2"

# Round trip: the printed exercise, fed back, gives exactly the --answers output.
seeds=$(seq 1 40)
bad=""
for s in $seeds; do
	"$VMLAB" translate --quiz "$s" >"$tmp/quiz.vm" || bad="$bad $s(quiz)"
	"$VMLAB" translate "$tmp/quiz.vm" >"$tmp/fed.out" 2>&1 || bad="$bad $s(translate)"
	"$VMLAB" translate --quiz "$s" --answers >"$tmp/ans.out" 2>&1 || bad="$bad $s(answers)"
	cmp -s "$tmp/fed.out" "$tmp/ans.out" || bad="$bad $s(differs)"
	cat "$tmp/ans.out" >>"$tmp/all-answers"
done
if [ -z "$bad" ]; then ok "quiz -> translate equals --answers for seeds $(echo $seeds | awk '{print $1"-"$NF}')"; else fail "quiz round trip: seeds$bad"; fi

# The exercises mix both paging modes, successes and every kind of fault.
for want in "paging PAE" "paging 32-bit" "=> physical" "P=0 (page not present)" \
	"P=1 (protection violation)" "U/S=1 (user mode)" "W/R=1 (write)" "a 4 MB page" \
	"a 2 MB page" "RSVD=1" "I/D=1" "outside the segment limit" "expand-down" "TLB lookup"; do
	if grep -qF "$want" "$tmp/all-answers"; then ok "quiz answers include: $want"; else fail "quiz answers include: $want"; fi
done

# Quiz options: paging mode, segmentation, TLB, number of questions, topics.
qseeds=12
[ "$VMLAB_BUILD" = san ] && qseeds=4 # the sanitized build is slow: fewer seeds there
qopt() { # name, a test of the quiz file "$1" (run by bash), quiz options...
	local name=$1 test=$2 bad=""
	shift 2
	for s in $(seq 1 $qseeds); do
		"$VMLAB" translate --quiz "$s" "$@" >"$tmp/qo.vm" 2>&1 || bad="$bad $s(status)"
		bash -c "$test" _ "$tmp/qo.vm" || bad="$bad $s"
		"$VMLAB" translate "$tmp/qo.vm" >"$tmp/qo.fed" 2>&1 || bad="$bad $s(translate)"
		"$VMLAB" translate --quiz "$s" "$@" --answers >"$tmp/qo.ans" 2>&1
		cmp -s "$tmp/qo.fed" "$tmp/qo.ans" || bad="$bad $s(answers)"
	done
	if [ -z "$bad" ]; then ok "quiz $*: $name (seeds 1-$qseeds, answers = translate of the text)"; else fail "quiz $*: $name:$bad"; fi
}
qopt "PAE paging" 'grep -qx "paging pae" "$1"' --paging=pae
qopt "2-level paging" 'grep -qx "paging 2level" "$1" && ! grep -q pdpte "$1"' --paging=2level
qopt "no segmentation: no GDT, linear addresses" '! grep -qE "^(gdt|gdtr|cs|ds|es|fs|ss) " "$1" && ! grep "^translate" "$1" | grep -qv "^translate linear"' --segments=off
qopt "a TLB in every exercise" 'grep -qE "^tlb [0-9]" "$1"' --tlb=on
qopt "no TLB" '! grep -qE "^tlb" "$1"' --tlb=off
qopt "exactly 11 questions" '[ $(grep -c "^translate" "$1") -eq 11 ]' --questions=11
qopt "segment-limit questions only" '! grep "^translate" "$1" | grep -qvE "^translate (es|fs):"' --topics=limits
qopt "unmapped-directory questions only" '! grep "^translate" "$1" | grep -qvE "^translate ds:0x(4|5|6|7)"' --topics=unmapped
qopt "supervisor accesses only" '! grep "^translate" "$1" | grep -qv " kernel$"' --topics=kernel
qopt "the TLB'd page only" 'p=$(grep -m1 "^tlb-entry" "$1" | cut -c13-17); [ -z "$p" ] || ! grep "^translate" "$1" | grep -qv "0x$p"' --tlb=on --topics=tlb
qopt "all options at once" '[ $(grep -c "^translate" "$1") -eq 5 ] && grep -qx "paging 2level" "$1" && ! grep -q "^gdt" "$1"' --paging=2level --segments=off --tlb=off --questions=5 --topics=pages,large,kernel
if cmp -s <("$VMLAB" translate --seed=42 --tlb=on) <("$VMLAB" translate --quiz 42 --tlb=on); then ok "quiz: --seed=N is --quiz N"; else fail "quiz: --seed=N is --quiz N"; fi
# the default exercise of a seed is unchanged by the options' code (a known seed's header)
if "$VMLAB" translate --quiz 42 | grep -qx '# Check: vmlab translate --quiz 42 --answers'; then ok "quiz: the default exercise names no option"; else fail "quiz: the default exercise names no option"; fi

# Short answers and grading.
"$VMLAB" translate --quiz 5 --answers=short >"$tmp/key.txt"
"$VMLAB" translate --quiz 5 --answers >"$tmp/full.txt"
nq=$(grep -c '^translate' < <("$VMLAB" translate --quiz 5))
if [ "$(wc -l <"$tmp/key.txt")" -eq "$nq" ] && python3 - "$tmp/full.txt" "$tmp/key.txt" >"$tmp/diff" 2>&1 <<'PY'
import re, sys
full = [l for l in open(sys.argv[1]) if l.startswith("  => ")]
key = [l.strip() for l in open(sys.argv[2])]
assert len(full) == len(key), (len(full), len(key))
for i, (f, k) in enumerate(zip(full, key)):
    n, kind, *v = re.match(r"(\d+): (\S+) ?(\S+)?", k).groups()
    assert int(n) == i + 1, k
    m = re.match(r"  => physical (0x[0-9a-f]+)$", f)
    if m:
        assert kind == "physical" and int(v[0], 16) == int(m.group(1), 16), (f, k)
        continue
    m = re.match(r"  => #PF, error code (0x[0-9a-f]+)", f)
    if m:
        assert kind == "#PF" and int(v[0], 16) == int(m.group(1), 16), (f, k)
        continue
    assert f.split()[1] == kind, (f, k)
PY
then
	ok "--answers=short: one line per question, each the verdict of the full answers"
else fail "--answers=short: one line per question, each the verdict of the full answers" "$tmp/diff"; fi
"$VMLAB" translate --quiz 5 --check "$tmp/key.txt" >"$tmp/chk" 2>&1
if [ $? -eq 0 ] && grep -qx "score: $nq/$nq" "$tmp/chk"; then ok "--check: the key itself scores $nq/$nq, status 0"; else fail "--check: the key scores full marks" "$tmp/chk"; fi
# a student: question 1 right (written in decimal/lower case where allowed), 2 wrong, 3 missing
k1=$(sed -n 1p "$tmp/key.txt" | sed 's/^1: //')
{ echo "# my answers"; echo "1: $k1   # sure"; echo "2: physical 0x1"; } >"$tmp/student.txt"
"$VMLAB" translate --quiz 5 --check "$tmp/student.txt" >"$tmp/chk" 2>&1
if [ $? -eq 1 ] && grep -qx "1: right" "$tmp/chk" && grep -q "^2: wrong: the answer is " "$tmp/chk" &&
	grep -q "^3: missing: the answer is " "$tmp/chk" && grep -qx "score: 1/$nq" "$tmp/chk"; then
	ok "--check: right, wrong and missing answers named, score 1/$nq, status 1"
else fail "--check: right, wrong and missing answers" "$tmp/chk"; fi
printf '1: #pf 4\n' >"$tmp/s2.txt"
"$VMLAB" translate --quiz 5 --check "$tmp/s2.txt" >/dev/null 2>&1
[ $? -le 1 ] && ok "--check: '#pf 4' is an answer, not a comment" || fail "--check: '#pf 4' is an answer"
"$VMLAB" translate examples/2level-walk.vm --answers=short >/dev/null 2>&1; [ $? -eq 2 ] && ok "--answers=short without --quiz: status 2" || fail "--answers=short without --quiz: status 2"
"$VMLAB" translate examples/quick.vm --check /dev/null >"$tmp/chk" 2>&1
if [ $? -eq 1 ] && grep -q "^1: missing" "$tmp/chk"; then ok "FILE --check ANSWERS grades a state file's requests"; else fail "FILE --check ANSWERS grades a state file's requests" "$tmp/chk"; fi
for bad in "1 physical 0x1" "0: #PF 4" "99: #PF 4" "1: #XX 4" "1: #PF four" "1: #PF 4 5" $'1: #PF 4\n1: #PF 4'; do
	printf '%s\n' "$bad" >"$tmp/bad.txt"
	"$VMLAB" translate --quiz 5 --check "$tmp/bad.txt" >/dev/null 2>"$tmp/bad.err"
	rc=$?
	if [ $rc -eq 2 ] && grep -q "bad.txt:[0-9]*: " "$tmp/bad.err"; then ok "--check refuses '${bad//$'\n'/ | }' with FILE:LINE"; else fail "--check refuses '$bad' (status $rc)" "$tmp/bad.err"; fi
done

# Command-line errors: status 2 and a message, never a crash.
cli_err() { # name, expected stderr substring, args...
	local name=$1 want=$2
	shift 2
	"$VMLAB" translate "$@" >"$tmp/cli.out" 2>"$tmp/cli.err"
	local rc=$?
	if [ $rc -eq 2 ] && grep -qF -- "$want" "$tmp/cli.err"; then ok "$name"; else
		echo "exit $rc" >>"$tmp/cli.err"
		fail "$name" "$tmp/cli.err"
	fi
}
cli_err "no file: usage, status 2" "usage:"
cli_err "missing file: status 2" "No such file" /nonexistent/state.vm
cli_err "unknown option: status 2" "unknown option" --frobnicate
cli_err "--answers without --quiz: status 2" "--answers goes with --quiz" --answers
cli_err "--quiz with a bad seed: status 2" "is not a number" --quiz twelve
cli_err "--quiz without a seed: status 2" "needs a value" --quiz
cli_err "--paging without --quiz: status 2" "go with --quiz" --paging=pae examples/quick.vm
cli_err "bad --paging: status 2" "--paging=2level or" --quiz 1 --paging=3level
cli_err "bad --segments: status 2" "--segments=on or" --quiz 1 --segments=maybe
cli_err "bad --tlb: status 2" "--tlb=on or" --quiz 1 --tlb=yes
cli_err "bad --questions: status 2" "from 1 to 100" --quiz 1 --questions=0
cli_err "bad --topics: status 2" "bad topic 'colour'" --quiz 1 --topics=pages,colour
cli_err "bad --answers: status 2" "--answers=full or" --quiz 1 --answers=long
cli_err "--answers with --check: status 2" "one or the other" --quiz 1 --answers --check /dev/null
cli_err "--check of a missing file: status 2" "No such file" --quiz 1 --check /nonexistent/answers
"$VMLAB" translate --help >"$tmp/help" 2>&1
if [ $? -eq 0 ] && grep -q "translate SEG:OFFSET" "$tmp/help"; then ok "--help describes the format"; else fail "--help describes the format" "$tmp/help"; fi

# Malformed state files: "FILE:LINE: message" on stderr, status 2, nothing on stdout.
bad_file() { # name, expected message substring, expected line, file text
	local name=$1 want=$2 line=$3
	printf '%b' "$4" >"$tmp/bad.vm"
	"$VMLAB" translate "$tmp/bad.vm" >"$tmp/bad.out" 2>"$tmp/bad.err"
	local rc=$?
	if [ $rc -eq 2 ] && [ ! -s "$tmp/bad.out" ] && [ "$(wc -l <"$tmp/bad.err")" -eq 1 ] &&
		grep -qF -- "$tmp/bad.vm:$line: " "$tmp/bad.err" && grep -qF -- "$want" "$tmp/bad.err"; then
		ok "malformed: $name"
	else
		echo "exit $rc" >>"$tmp/bad.err"
		fail "malformed: $name" "$tmp/bad.err"
	fi
}
T='translate linear 0x1000 read\n'
bad_file "unknown statement" "unknown statement 'frobnicate'" 2 "paging 2level\nfrobnicate 3\n$T"
bad_file "bad number" "is not a number" 1 "cr3 0x12zz\n$T"
bad_file "number too large" "too large" 1 "cr3 0x123456789\n$T"
bad_file "bad paging mode" "is not none, 2level or pae" 1 "paging 5level\n$T"
bad_file "pde without '='" "too few words" 2 "paging 2level\npde 0x1000[0x300] 0x2000\n$T"
bad_file "pde not TABLE[INDEX]" "TABLE[INDEX]" 2 "paging 2level\npde 0x1000 = 0x2000\n$T"
bad_file "value without =" "expected '='" 2 "paging 2level\npde 0x1000[0x300] : 0x2000\n$T"
bad_file "unclosed bracket" "TABLE[INDEX]" 2 "paging 2level\npde 0x1000[0x300 = 0x2000\n$T"
bad_file "unknown entry flag" "neither a number nor a flag" 2 "paging 2level\npte 0x1000[1] = 0x2000 P XYZ\n$T"
bad_file "pdpte in 2-level mode" "only with PAE" 2 "paging 2level\npdpte 0x1000[0] = 0x2001\n$T"
bad_file "pdpte index too large" "has 4 entries" 2 "paging pae\npdpte 0x1000[4] = 0x2001\n$T"
bad_file "pde with paging off" "paging is off" 1 "pde 0x1000[1] = 0x2001\n$T"
bad_file "entry in the legacy hole" "not RAM" 2 "paging 2level\npde 0xa0000[0] = 1\n$T"
bad_file "entry beyond RAM" "not RAM" 3 "paging 2level\nram 16M\npde 0x4000000[0] = 1\n$T"
bad_file "bad RAM size" "not a size" 1 "ram lots\n$T"
bad_file "paging and CR4 disagree" "CR0/CR4 give" 3 "paging pae\ncr0 PE PG\ncr4 PSE\n$T"
bad_file "CR0.PE clear" "protected mode only" 1 "cr0 0\n$T"
bad_file "gdt without gdtr" "gdtr" 1 "gdt 1 = 0x00cf9a000000ffff\n$T"
bad_file "gdt entry past the limit" "beyond the table limit" 2 "gdtr base=0x10000 limit=0xf\ngdt 2 = 0x00cf9a000000ffff\n$T"
bad_file "gdt in unmapped memory" "not mapped" 3 "paging 2level\ngdtr base=0x10000 limit=0xff\ngdt 1 = 0x00cf9a000000ffff\n$T"
bad_file "bad descriptor field" "unknown descriptor field 'color'" 2 "gdtr base=0x10000 limit=0xff\ngdt 1 base=0 color=3\n$T"
bad_file "descriptor field out of range" "too large" 2 "gdtr base=0x10000 limit=0xff\ngdt 1 base=0 dpl=4\n$T"
bad_file "ldtr naming a data segment" "LLDT refuses" 3 "gdtr base=0x10000 limit=0xff\ngdt 1 = 0x00cf92000000ffff\nldtr 0x08\n$T"
bad_file "ldt without ldtr" "ldtr" 2 "gdtr base=0x10000 limit=0xff\nldt 1 = 0x00cf92000000ffff\n$T"
bad_file "bad segment register" "not a segment register" 1 "translate xs:0x10 read\n"
bad_file "translate without SEG:" "not SEG:OFFSET" 1 "translate 0x10 read\n"
bad_file "bad access kind" "not read, write or fetch" 1 "translate ds:0x10 execute\n"
bad_file "fetch through a data segment" "fetches go through cs" 1 "translate ds:0x10 fetch\n"
bad_file "bad access size" "size must be" 1 "translate ds:0x10 read size=0\n"
bad_file "bad TLB geometry" "TLB geometry" 1 "tlb 10x3\n$T"
bad_file "tlb-entry without a TLB" "no TLB is modelled" 1 "tlb-entry 0x1000 = 0x2000\n$T"
bad_file "misaligned TLB frame" "not aligned" 2 "tlb 8x2\ntlb-entry 0x200000 = 0x1000 2m\n$T"
bad_file "selector too large" "too large" 1 "ds = 0x10000\n$T"
bad_file "control character" "control character" 1 "cr3 \\001\n$T"
printf 'cr3 0x1000\n' >"$tmp/noreq.vm"
"$VMLAB" translate "$tmp/noreq.vm" >/dev/null 2>"$tmp/noreq.err"
if [ $? -eq 2 ] && grep -q "no 'translate' line" "$tmp/noreq.err"; then ok "malformed: no translate line"; else fail "malformed: no translate line" "$tmp/noreq.err"; fi
printf 'cr3 0x1000\n\0translate linear 0 read\n' >"$tmp/nul.vm"
"$VMLAB" translate "$tmp/nul.vm" >/dev/null 2>"$tmp/nul.err"
if [ $? -eq 2 ] && grep -q "NUL byte" "$tmp/nul.err"; then ok "malformed: binary file"; else fail "malformed: binary file" "$tmp/nul.err"; fi
head -c 3000 /dev/zero | tr '\0' 'x' >"$tmp/long.vm"
"$VMLAB" translate "$tmp/long.vm" >/dev/null 2>"$tmp/long.err"
if [ $? -eq 2 ] && grep -q ":1: line longer" "$tmp/long.err"; then ok "malformed: overlong line"; else fail "malformed: overlong line" "$tmp/long.err"; fi

# Random garbage built from the format's own words never crashes (status 0 or 2 only).
words=(paging pae 2level none cr0 cr3 cr4 efer PG PE WP PSE PAE NXE pde pte pdpte mem32 mem64
	'0x1000[0x300]' '0x2000[1]' = 0x2067 0x83 P RW US PS NX gdtr base=0x1000 limit=0x3f gdt ldt
	ldtr 1 2 0x08 0x0f ds cs ss es translate ds:0x1000 linear 0x08048000 read write fetch user
	kernel size=4 tlb 8x2 tlb-entry 2m rw '#' type=ldt type=rw-down dpl=3 g=1 cpl 3 ram 16M)
crashes=0
runs=150
[ "$VMLAB_BUILD" = san ] && runs=40
RANDOM=7
for i in $(seq 1 $runs); do
	: >"$tmp/fuzz.vm"
	for l in 1 2 3 4 5 6; do
		line=""
		for w in 1 2 3 4 5; do line="$line ${words[RANDOM % ${#words[@]}]}"; done
		echo "$line" >>"$tmp/fuzz.vm"
	done
	echo "translate ds:0x08048000 write" >>"$tmp/fuzz.vm"
	"$VMLAB" translate "$tmp/fuzz.vm" >/dev/null 2>&1
	rc=$?
	if [ $rc -ne 0 ] && [ $rc -ne 2 ]; then
		crashes=$((crashes + 1))
		cp "$tmp/fuzz.vm" "$tmp/crash.vm"
	fi
done
if [ $crashes -eq 0 ]; then ok "$runs random statement mixes: status 0 or 2, no crash"; else fail "random statement mixes: $crashes crashed" "$tmp/crash.vm"; fi

echo "1..$n"
