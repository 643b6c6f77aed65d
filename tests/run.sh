#!/bin/bash
# Runs every test program and totals their TAP lines ("ok", "not ok", "# SKIP").
# Unit tests run in both builds (build/rel and build/san); end-to-end scripts in
# tests/e2e/*.sh run with VMLAB pointing at each build (they may skip the slow
# parts under the sanitizer build by looking at VMLAB_BUILD).
# A test program that exits non-zero without reporting a failure counts as one failure.
cd "$(dirname "$0")/.."
pass=0 fail=0 skip=0
export CMOCKA_MESSAGE_OUTPUT=TAP
log=build/test-logs
mkdir -p "$log"

tally() { # name, exit status, output file
	local name=$1 rc=$2 out=$3 secs=$4 p f s
	p=$(grep -cE '^ok [0-9]+' "$out" | head -1)
	s=$(grep -cE '^ok [0-9]+.*# (SKIP|skip)' "$out" | head -1)
	f=$(grep -cE '^not ok [0-9]+' "$out" | head -1)
	p=$((p - s))
	if [ "$rc" -ne 0 ] && [ "$f" -eq 0 ]; then
		f=1
		echo "FAIL $name: exited with status $rc (see $out)"
		tail -5 "$out" | sed 's/^/    /'
	fi
	grep -E '^not ok' "$out" | sed "s|^|FAIL $name: |"
	pass=$((pass + p)) fail=$((fail + f)) skip=$((skip + s))
	printf '%-44s %4d passed %3d failed %3d skipped %4ds\n' "$name" "$p" "$f" "$s" "$secs"
}

for build in rel san; do
	for t in build/$build/tests/unit/test_*; do
		[ -x "$t" ] || continue
		name="$build/$(basename "$t")"
		out="$log/${name//\//_}.log"
		start=$SECONDS
		timeout 300 "$t" >"$out" 2>&1
		tally "$name" $? "$out" $((SECONDS - start))
	done
	for t in tests/e2e/*.sh; do
		[ -x "$t" ] || continue
		name="$build/e2e/$(basename "$t" .sh)"
		out="$log/${name//\//_}.log"
		start=$SECONDS
		VMLAB="$PWD/build/$build/vmlab" VMLAB_BUILD=$build timeout 600 "$t" >"$out" 2>&1
		tally "$name" $? "$out" $((SECONDS - start))
	done
done
echo "$pass passed, $fail failed, $skip skipped"
[ "$fail" -eq 0 ]
