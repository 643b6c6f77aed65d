#!/bin/bash
# docs/tutorial.md cannot rot: its ```sh blocks are run in order, in one empty directory,
# with the vmlab under test first on PATH, each under `bash -e -o pipefail` (a failing
# command fails the block); then the files they wrote are checked for what the tutorial
# explains (the fault, its walk, the dump's replay, the grading).
cd "$(dirname "$0")/../.."
ROOT=$PWD
vmlab=${VMLAB:-$ROOT/build/${VMLAB_BUILD:-rel}/vmlab}
doc=docs/tutorial.md
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
n=0
ok() { n=$((n + 1)); echo "ok $n - $1"; }
notok() { n=$((n + 1)); echo "not ok $n - $1"; }
if ! echo 'int main(void){return 0;}' | gcc -m32 -static -x c -o "$tmp/probe" - 2>/dev/null; then
	echo "ok 1 - tutorial # SKIP gcc -m32 -static does not work here"
	echo "1..1"
	exit 0
fi
mkdir -p "$tmp/bin" "$tmp/work"
ln -s "$vmlab" "$tmp/bin/vmlab"
# the blocks, one file each
awk -v dir="$tmp" '/^```sh$/ { n++; f = sprintf("%s/block%02d.sh", dir, n); on = 1; next }
	on && /^```$/ { on = 0; close(f); next } on { print > f }' "$doc"
blocks=$(ls "$tmp"/block*.sh 2>/dev/null | wc -l)
if [ "$blocks" -ge 8 ]; then ok "$doc has $blocks command blocks"; else notok "$doc has command blocks ($blocks)"; fi
for b in "$tmp"/block*.sh; do
	name=$(basename "$b" .sh)
	first=$(grep -m1 -v '^cat\|^#\|^$' "$b" | cut -c1-60)
	if (cd "$tmp/work" && PATH="$tmp/bin:$PATH" bash -e -o pipefail "$b" >"$tmp/$name.out" 2>&1); then
		ok "tutorial $name runs ($first ...)"
	else
		notok "tutorial $name runs ($first ...)"
		tail -5 "$tmp/$name.out" | sed 's/^/# /'
	fi
done
w=$tmp/work
check() { # name, command
	local name=$1
	shift
	if "$@" >/dev/null 2>&1; then ok "tutorial: $name"; else notok "tutorial: $name"; fi
}
check "hello prints hello, world" grep -qx 'hello, world' "$tmp/block01.out"
check "the statistics' faults add up as shown" grep -qE '^faults: [0-9]+ = minor [0-9]+ \+ major 0' "$w/hello.stats"
check "crash is killed by SIGSEGV at 0x00123456, exit status 139" grep -qx "exit status 139" "$tmp/block03.out"
check "the fault trace ends with the SIGSEGV" grep -qE '^@[0-9]+ fault   0x00123456 eip=0x[0-9a-f]+ err=0x6 \(write user not-present\) -> SIGSEGV SEGV_MAPERR' "$w/faults.txt"
check "the page trace: miss, walk to a not-present PTE, demand_zero fault, walk, fill" python3 - "$w/page.txt" <<'PY'
import re, sys
ev = [l.split()[1:3] for l in open(sys.argv[1]) if l.startswith("@") and not l.startswith("@0 ")]
kinds = [e[0] + (" " + e[1] if e[0] == "tlb" else "") for e in ev]
assert kinds[:6] == ["tlb miss", "walk", "fault", "tlb miss", "walk", "tlb fill"], kinds
t = open(sys.argv[1]).read()
assert re.search(r"PTE .* = 0x00000000 not-present", t) and "minor demand_zero" in t and "(4 KB page)" in t
PY
check "the crash walk stops at an empty PDE" grep -q 'PDE   0x[0-9a-f]*\[0x000\] @0x[0-9a-f]* = 0x00000000 not-present' "$w/crash.txt"
check "the dump replays the fault: #PF error code 0x6" grep -q '=> #PF, error code 0x6, CR2 0x00123456' "$tmp/block07.out"
check "translate of the whole dump runs" "$vmlab" translate "$w/crash.vm"
check "the quiz has 4 linear questions" test "$(grep -c '^translate linear' "$w/quiz.vm")" -eq 4
check "the grading of my-answers.txt" grep -qx 'score: 2/4' "$tmp/block09.out"
# the outputs shown for the toolchain-independent blocks are the real ones
check "the quiz questions shown are the real ones" diff <(awk '/^```sh$/{s++} s==8 && /^```text$/{p=1; next} p && /^```$/{exit} p' "$doc") "$tmp/block08.out"
check "the grading shown is the real one" diff <(awk '/^```sh$/{s++} s==9 && /^```text$/{p=1; next} p && /^```$/{exit} p' "$doc") "$tmp/block09.out"
echo "1..$n"
