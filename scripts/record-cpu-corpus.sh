#!/bin/bash
# Records the expected stdout (and exit status) of every CPU corpus program by running it
# natively on this host (which runs -m32 static binaries), with an empty environment, into
# tests/guest/expected/cpu_NAME.out. Both -O levels and the -msse2 -mfpmath=sse build must
# agree; a mismatch is an error, since tests/e2e/cpu_corpus.sh and cpu_corpus_sse2.sh compare
# every build against the one file.
set -e
cd "$(dirname "$0")/.."
make -s guests
status=0
for src in tests/guest/cpu_*.c; do
	name=$(basename "$src" .c)
	out=tests/guest/expected/$name.out
	o0=$(mktemp) o2=$(mktemp)
	rc=0; env -i "build/guest/$name-O0" >"$o0" || rc=$?; echo "exit $rc" >>"$o0"
	rc=0; env -i "build/guest/$name-O2" >"$o2" || rc=$?; echo "exit $rc" >>"$o2"
	s2=$(mktemp)
	rc=0; env -i "build/guest/$name-sse2" >"$s2" || rc=$?; echo "exit $rc" >>"$s2"
	if ! cmp -s "$o2" "$s2"; then
		echo "error: $name prints differently with SSE2 floating point:" >&2
		diff "$o2" "$s2" | head -5 >&2
		status=1
	fi
	rm -f "$s2"
	if cmp -s "$o0" "$o2"; then
		mv "$o0" "$out"
		echo "recorded $out"
	else
		echo "error: $name prints differently at -O0 and -O2:" >&2
		diff "$o0" "$o2" | head -5 >&2
		status=1
	fi
	rm -f "$o0" "$o2"
done
exit $status
