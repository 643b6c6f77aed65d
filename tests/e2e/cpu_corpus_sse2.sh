#!/bin/bash
# The CPU corpus built with -O2 -msse2 -mfpmath=sse (floating point in SSE2 registers, gcc's
# SSE2 integer and move idioms) under flatrun, compiled blocks and the interpreter alone,
# against the native recording that the x87 builds share (scripts/record-cpu-corpus.sh
# checks that the native SSE2 build prints the same).
cd "$(dirname "$0")/../.."
flatrun="$(dirname "$VMLAB")/tests/tools/flatrun"
n=0
for exp in tests/guest/expected/cpu_*.out; do
	name=$(basename "$exp" .out)
	bin=build/guest/$name-sse2
	for mode in "" --no-jit; do
		n=$((n + 1))
		label="$name-sse2${mode:+ $mode}"
		if [ ! -x "$flatrun" ] || [ ! -x "$bin" ]; then
			echo "ok $n - $label # SKIP $flatrun or $bin not built (make all guests)"
			continue
		fi
		got=$(mktemp)
		rc=0
		timeout 120 "$flatrun" $mode "$bin" >"$got" 2>"$got.err" || rc=$?
		echo "exit $rc" >>"$got"
		if cmp -s "$exp" "$got"; then
			echo "ok $n - $label"
		else
			echo "not ok $n - $label"
			diff "$exp" "$got" | head -10 | sed 's/^/# /'
			head -5 "$got.err" | sed 's/^/# stderr: /'
		fi
		rm -f "$got" "$got.err"
	done
done
echo "1..$n"
