#!/bin/bash
# Runs every CPU corpus program (-O0 and -O2) on the interpreter under the flatrun harness
# and compares stdout and exit status byte for byte with the native recording in
# tests/guest/expected/. Under the sanitizer build only the -O2 binaries run.
cd "$(dirname "$0")/../.."
flatrun="$(dirname "$VMLAB")/tests/tools/flatrun"
levels="O0 O2"
[ "$VMLAB_BUILD" = san ] && levels="O2"
n=0
for exp in tests/guest/expected/cpu_*.out; do
	name=$(basename "$exp" .out)
	for O in $levels; do
		n=$((n + 1))
		bin=build/guest/$name-$O
		if [ ! -x "$flatrun" ] || [ ! -x "$bin" ]; then
			echo "ok $n - $name-$O # SKIP $flatrun or $bin not built (make all guests)"
			continue
		fi
		got=$(mktemp)
		rc=0
		timeout 120 "$flatrun" "$bin" >"$got" 2>"$got.err" || rc=$?
		echo "exit $rc" >>"$got"
		if cmp -s "$exp" "$got"; then
			echo "ok $n - $name-$O"
		else
			echo "not ok $n - $name-$O"
			diff "$exp" "$got" | head -10 | sed 's/^/# /'
			head -5 "$got.err" | sed 's/^/# stderr: /'
		fi
		rm -f "$got" "$got.err"
	done
done
echo "1..$n"
