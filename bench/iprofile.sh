#!/bin/bash
# Where compiled code's host instructions go: runs one vmlab command under callgrind (valgrind,
# installed from Debian if missing) with the perf map (VMLAB_PERF_MAP) and the blocks' code
# (VMLAB_JIT_DUMP), and prints the host instructions of compiled code per kind of work
# (lazy-flag stores, guest register loads and stores, LRU stamps, counts, entry checks, ...)
# and per guest block (bench/iprofile.py). Unlike a timing, the counts are exact and the
# same every run, so two builds compare to the instruction (docs/jit.md, "Ninth session").
# About 50 times slower than the run itself: give it a small input.
# Usage: bench/iprofile.sh VMLAB run [OPTIONS] PROGRAM [ARGS] [< INPUT]
#   env: IPROFILE_TOP=20 (blocks listed), IPROFILE_KEEP=DIR (keep the callgrind output,
#        the perf map and the dumps there), IPROFILE_BLOCK=EIP (also that block's host code,
#        each instruction with the times it ran and its kind)
cd "$(dirname "$0")/.." || exit 1
[ $# -ge 2 ] || { sed -n '2,10p' "$0" >&2; exit 2; }
command -v valgrind >/dev/null || scripts/deps.sh valgrind >&2 || exit 1
tmp=${IPROFILE_KEEP:-$(mktemp -d)}
mkdir -p "$tmp/dump"
tmp=$(realpath "$tmp") # (VMLAB_PERF_MAP takes an absolute path)
rm -f "$tmp/perf.map"
[ -n "$IPROFILE_KEEP" ] || trap 'rm -rf "$tmp"' EXIT
VMLAB_PERF_MAP="$tmp/perf.map" VMLAB_JIT_DUMP="$tmp/dump" valgrind --tool=callgrind --dump-instr=yes \
	--smc-check=all --callgrind-out-file="$tmp/callgrind.out" "$@" >/dev/null 2>"$tmp/valgrind.err" ||
	{ tail -5 "$tmp/valgrind.err" >&2; exit 1; }
[ -s "$tmp/perf.map" ] || { echo "iprofile.sh: no perf map written" >&2; exit 1; }
python3 bench/iprofile.py "$tmp/callgrind.out" "$tmp/perf.map" "$tmp/dump" "${IPROFILE_TOP:-20}" \
	${IPROFILE_BLOCK:+"$IPROFILE_BLOCK"}
