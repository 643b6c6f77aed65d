#!/bin/bash
# The CPU corpus built with -O2 -msse2 -mfpmath=sse (floating point in SSE2 registers, gcc's
# SSE2 integer and move idioms) under flatrun, compiled blocks and the interpreter alone,
# against the native recording that the x87 builds share (scripts/record-cpu-corpus.sh
# checks that the native SSE2 build prints the same). cpu_corpus.sh runs it.
exec "$(dirname "$0")/cpu_corpus.sh" --sse2
