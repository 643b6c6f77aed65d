#!/bin/bash
# Compiled blocks and the interpreter are one machine: every guest program (-O2) run under
# `vmlab run --stats` with and without --no-jit must print the same output, exit status and
# statistics (instructions, TLB lookups/hits/misses, page walks, faults, ...), byte for byte,
# on the default machine and (release build) on four others: no TLB; a small FIFO TLB; a
# tiny LRU TLB (every LRU stamp compiled code leaves out must not change a victim); PAE with
# a random-replacement TLB. A few programs also run with a one-entry TLB, where a data access
# evicts the code page's entry in the middle of a block: a Jcc's fall-through then misses
# the fetch fast table and compiled code takes its out-of-line lookup.
cd "$(dirname "$0")/../.."
vmlab=${VMLAB:-build/${VMLAB_BUILD:-rel}/vmlab}
# the runs below start in /tmp: a relative path is taken from here (tests/run.sh passes an
# absolute one, which "$OLDPWD/" in front of it used to turn into a path that does not
# exist, so that both runs failed alike and every comparison passed)
[[ $vmlab == /* ]] || vmlab=$PWD/$vmlab
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
progs=()
for src in tests/guest/*.c; do
	name=$(basename "$src" .c)
	bin=build/guest/$name-O2
	[ -x "$bin" ] && progs+=("$name")
done
if [ ${#progs[@]} -eq 0 ] || [ ! -x "$vmlab" ]; then
	echo "1..1"
	echo "ok 1 - jit equivalence # SKIP guests or vmlab not built"
	exit 0
fi
# --jit-threshold=1 compiles every block at its first run (the default waits for the 16th,
# which code run once, most of these programs' start, never reaches); the tiny LRU TLB keeps
# the default, so blocks change engines in the middle of a run there
configs=("--jit-threshold=1")
[ "${VMLAB_BUILD:-rel}" = rel ] &&
	configs+=("--no-tlb --jit-threshold=1" "--tlb=16x2 --tlb-policy=fifo --jit-threshold=1"
		"--tlb=8x2" "--paging=pae --tlb-policy=random --jit-threshold=1")
tiny=()
[ "${VMLAB_BUILD:-rel}" = rel ] && for name in cpu_crc cpu_arith cpu_string; do
	[ -x build/guest/$name-O2 ] && tiny+=("$name")
done
echo "1..$((${#progs[@]} * ${#configs[@]} + ${#tiny[@]} + 4))"
n=0
check() {
	local name=$1 cfg=$2
	n=$((n + 1))
	bin=$PWD/build/guest/$name-O2
	args=()
	[ "$name" = bench_cpu ] && args=(1)
	for mode in jit interp; do
		read -r -a opt <<<"$cfg"
		[ $mode = interp ] && opt+=(--no-jit)
		(cd /tmp && timeout 300 "$vmlab" run "${opt[@]}" --stats "$bin" "${args[@]}" \
			</dev/null >"$tmp/$mode.out" 2>"$tmp/$mode.err"; echo "exit=$?" >>"$tmp/$mode.out")
	done
	# the host-side lines of --stats (command line, wall time) differ by design
	for mode in jit interp; do
		grep -avE '^(command|wall time):' "$tmp/$mode.err" >"$tmp/$mode.err2"
		mv "$tmp/$mode.err2" "$tmp/$mode.err"
	done
	if cmp -s "$tmp/jit.out" "$tmp/interp.out" && cmp -s "$tmp/jit.err" "$tmp/interp.err"; then
		echo "ok $n - $name${cfg:+ ($cfg)}: same output and statistics with and without --no-jit"
	else
		echo "not ok $n - $name${cfg:+ ($cfg)}: compiled and interpreted runs differ"
		diff "$tmp/interp.out" "$tmp/jit.out" | head -5 | sed 's/^/# out: /'
		diff "$tmp/interp.err" "$tmp/jit.err" | head -8 | sed 's/^/# stats: /'
	fi
}
for cfg in "${configs[@]}"; do
	for name in "${progs[@]}"; do
		check "$name" "$cfg"
	done
done
for name in "${tiny[@]}"; do
	check "$name" "--tlb=1 --jit-threshold=1"
done

# --jit-threshold changes when blocks are compiled, never a count; out-of-range values are
# refused with a message
stats() { (cd /tmp && "$vmlab" run "$@" --stats "$PWD/build/guest/bench_cpu-O2" 1 </dev/null 2>&1 >/dev/null |
	grep -avE '^(command|wall time):'); }
ref=$(stats --jit-threshold=1)
for t in 2 16 65535; do
	n=$((n + 1))
	if [ "$(stats --jit-threshold=$t)" = "$ref" ]; then
		echo "ok $n - bench_cpu: --jit-threshold=$t gives the statistics of --jit-threshold=1"
	else
		echo "not ok $n - bench_cpu: --jit-threshold=$t changes the statistics"
	fi
done
n=$((n + 1))
bad=0
for v in 0 65536 x; do
	msg=$("$vmlab" run --jit-threshold=$v build/guest/bench_cpu-O2 1 2>&1 >/dev/null)
	[ $? = 2 ] && [[ $msg == *"bad --jit-threshold '$v' (1 to 65535)"* ]] || bad=1
done
[ $bad = 0 ] && echo "ok $n - --jit-threshold=0, 65536, x: refused with a message" ||
	echo "not ok $n - --jit-threshold: a bad value is not refused as it should be"
