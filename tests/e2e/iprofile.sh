#!/bin/bash
# bench/iprofile.sh (docs/jit.md, "Ninth session"): the host instructions of compiled code,
# counted under callgrind, per kind of work and per guest block. Two runs of one program
# print the same counts (the claim that lets two builds compare to the instruction); the
# kinds add up to the compiled code's total; the blocks are named guest_EIP_nINSNS with
# the program's addresses. Release build only (valgrind does not run ASan binaries).
cd "$(dirname "$0")/../.."
vmlab=${VMLAB:-build/${VMLAB_BUILD:-rel}/vmlab}
bin=build/guest/cpu_crc-O2
echo "1..4"
if [ "${VMLAB_BUILD:-rel}" != rel ] || ! command -v valgrind >/dev/null || [ ! -x "$bin" ]; then
	for k in 1 2 3 4; do echo "ok $k - iprofile # SKIP release build, valgrind and $bin needed"; done
	exit 0
fi
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
IPROFILE_TOP=5 bench/iprofile.sh "$vmlab" run "$bin" >"$tmp/a" 2>"$tmp/a.err"
IPROFILE_TOP=5 bench/iprofile.sh "$vmlab" run "$bin" >"$tmp/b" 2>"$tmp/b.err"
if [ -s "$tmp/a" ] && cmp -s "$tmp/a" "$tmp/b"; then
	echo "ok 1 - two runs of cpu_crc count the same host instructions, kind by kind"
else
	echo "not ok 1 - two runs of cpu_crc count differently (or printed nothing)"
	diff "$tmp/a" "$tmp/b" | head -5 | sed 's/^/# /'
	head -3 "$tmp/a.err" | sed 's/^/# /'
fi
# the compiled code's total, and the sum of its kinds
total=$(sed -n 's/.*of which compiled code \([0-9]*\) .*/\1/p' "$tmp/a")
sum=$(awk '/^compiled code by kind/ { on = 1; next } on && NF == 0 { on = 0 } on { s += $1 } END { print s + 0 }' "$tmp/a")
if [ -n "$total" ] && [ "$total" -gt 1000000 ] && [ "$sum" = "$total" ]; then
	echo "ok 2 - the kinds add up to compiled code's $total host instructions"
else
	echo "not ok 2 - kinds sum to '$sum', compiled code '$total'"
fi
# the busiest block is one of cpu_crc's own, at an address its symbol table has
top=$(sed -n 's/.*  guest_\([0-9a-f]\{8\}\)_n[0-9]*$/\1/p' "$tmp/a" | head -1)
lo=$(nm "$bin" | awk '$3 == "main" { print $1 }')
if [ -n "$top" ] && [ -n "$lo" ] && [ $((16#$top)) -ge $((16#${lo:-0} - 0x10000)) ] &&
	[ $((16#$top)) -lt $((16#$lo + 0x10000)) ]; then
	echo "ok 3 - the busiest block (at $top) is cpu_crc's code, near main ($lo)"
else
	echo "not ok 3 - busiest block '$top', main at '$lo'"
fi
# IPROFILE_BLOCK: that block's host code with each instruction's count, which add up to the
# block's line in the summary
IPROFILE_TOP=1 IPROFILE_BLOCK=$top bench/iprofile.sh "$vmlab" run "$bin" >"$tmp/c" 2>/dev/null
want=$(awk '/guest_'"$top"'_n/ && NF == 3 { print $1; exit }' "$tmp/c")
got=$(awk '/^guest_'"$top"'_n.*times run/ { on = 1; next } on && NF >= 3 { s += $1 } END { print s + 0 }' "$tmp/c")
if [ -n "$want" ] && [ "$want" -gt 0 ] && [ "$got" = "$want" ]; then
	echo "ok 4 - IPROFILE_BLOCK=$top lists its host code, its counts adding up to $want"
else
	echo "not ok 4 - IPROFILE_BLOCK=$top: counts add up to '$got', the block has '$want'"
fi
