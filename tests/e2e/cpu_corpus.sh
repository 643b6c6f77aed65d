#!/bin/bash
# Runs every CPU corpus program (-O0 and -O2) on the interpreter under the flatrun harness
# and compares stdout and exit status byte for byte with the native recording in
# tests/guest/expected/. Under the sanitizer build only the -O2 binaries run.
# With --sse2 (cpu_corpus_sse2.sh) it runs the -sse2 builds instead, each twice: with
# compiled blocks and with the interpreter alone (flatrun --no-jit).
cd "$(dirname "$0")/../.."
flatrun="$(dirname "$VMLAB")/tests/tools/flatrun"
builds="O0 O2"
[ "$VMLAB_BUILD" = san ] && builds="O2"
modes=""
if [ "$1" = --sse2 ]; then
	builds=sse2
	modes=--no-jit
fi
n=0
for exp in tests/guest/expected/cpu_*.out; do
	name=$(basename "$exp" .out)
	for build in $builds; do
		bin=build/guest/$name-$build
		for mode in "" $modes; do
			n=$((n + 1))
			label="$name-$build${mode:+ $mode}"
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
done
echo "1..$n"
