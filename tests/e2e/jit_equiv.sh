#!/bin/bash
# Compiled blocks and the interpreter are one machine: every guest program (-O2) run under
# `vmlab run --stats` with and without --no-jit must print the same output, exit status and
# statistics (instructions, TLB lookups/hits/misses, page walks, faults, ...), byte for byte,
# on the default machine and (release build) on four others: no TLB; a small FIFO TLB; a
# tiny LRU TLB (every LRU stamp compiled code leaves out must not change a victim); PAE with
# a random-replacement TLB. A few programs also run with a one-entry TLB, where a data access
# evicts the code page's entry in the middle of a block: a Jcc's fall-through then misses
# the fetch fast table and compiled code takes its out-of-line lookup, and a block's last
# access evicts it before the block's exit to a light entry (cpu_block_cap).
cd "$(dirname "$0")/../.."
vmlab=${VMLAB:-build/${VMLAB_BUILD:-rel}/vmlab}
# the runs below start in /tmp: a relative path is taken from here (tests/run.sh passes an
# absolute one, which "$OLDPWD/" in front of it used to turn into a path that does not
# exist, so that both runs failed alike and every comparison passed)
[[ $vmlab == /* ]] || vmlab=$PWD/$vmlab
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
progs=()
k=0
for src in tests/guest/*.c; do
	name=$(basename "$src" .c)
	bin=build/guest/$name-O2
	[ -x "$bin" ] || continue
	# the sanitizer pass, which looks for the compiler's memory errors rather than for
	# differences (the release pass compares every program on five machines), takes every
	# third program: the whole list there took 45 s of the suite's 10 minutes
	k=$((k + 1))
	[ "${VMLAB_BUILD:-rel}" = rel ] || [ $((k % 3)) = 1 ] || [ "$name" = bench_cpu ] || continue
	progs+=("$name")
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
[ "${VMLAB_BUILD:-rel}" = rel ] && for name in cpu_crc cpu_arith cpu_string cpu_stack_groups cpu_group_edges cpu_block_cap; do
	[ -x build/guest/$name-O2 ] && tiny+=("$name")
done
# busybox bzip2 with a 2x2 TLB: code pages leave the I-TLB often, so blocks whose last
# instruction crosses a page are decoded afresh now and then; a fresh decode must count the
# next page's fetch once, as a cached block's entry does (decode.c's fetch8)
bb=$(scripts/get-busybox.sh 2>/dev/null) || bb=
crossing=()
if [ "${VMLAB_BUILD:-rel}" = rel ] && [ -n "$bb" ]; then
	seq 1 99999 | head -c 100000 >"$tmp/text"
	crossing=(bzip2)
fi
# proc_alarm computes through 1.6 s of timers on the virtual clock (20 s interpreted on a
# 2-core Zen 3) and swap_oom_victim fills half of RAM: they run on the default machine only,
# which keeps the suite within its time (the other machines differ in the TLB, which the
# remaining programs exercise)
default_only=" proc_alarm swap_oom_victim "
skipped=0
for name in "${progs[@]}"; do
	[[ $default_only == *" $name "* ]] && skipped=$((skipped + ${#configs[@]} - 1))
done
echo "1..$((${#progs[@]} * ${#configs[@]} - skipped + ${#tiny[@]} + ${#crossing[@]} + 4))"
n=0
check() {
	local name=$1 cfg=$2
	n=$((n + 1))
	bin=$PWD/build/guest/$name-O2
	args=()
	[ "$name" = bench_cpu ] && args=(1)
	[ "$name" = bzip2 ] && bin=$bb && args=(bzip2 -c "$tmp/text")
	for mode in jit interp; do
		read -r -a opt <<<"$cfg"
		[ $mode = interp ] && opt+=(--no-jit)
		(cd /tmp && timeout 300 "$vmlab" run "${opt[@]}" --stats "$bin" "${args[@]}" \
			</dev/null >"$tmp/$mode.out" 2>"$tmp/$mode.err"; echo "exit=$?" >>"$tmp/$mode.out")
	done
	# the host-side lines of --stats (command line, wall time) differ by design; so does the
	# decode cache's hit count where compiled code's buffer fills (cpu_run then empties the
	# decode cache with it, which the interpreter alone never does): bzip2's 2x2 TLB
	local host='command|wall time'
	[ "$name" = bzip2 ] && host+='|  decode_cache_(hits|misses) '
	for mode in jit interp; do
		grep -avE "^($host)" "$tmp/$mode.err" >"$tmp/$mode.err2"
		mv "$tmp/$mode.err2" "$tmp/$mode.err"
	done
	# both runs must have got as far as their statistics: two runs that fail alike (a
	# wrong path, a refused option) would compare equal and prove nothing
	if ! grep -aq '^instructions retired: [1-9]' "$tmp/interp.err"; then
		echo "not ok $n - $name${cfg:+ ($cfg)}: the interpreted run printed no statistics"
		head -3 "$tmp/interp.err" | sed 's/^/# /'
	elif cmp -s "$tmp/jit.out" "$tmp/interp.out" && cmp -s "$tmp/jit.err" "$tmp/interp.err"; then
		echo "ok $n - $name${cfg:+ ($cfg)}: same output and statistics with and without --no-jit"
	else
		echo "not ok $n - $name${cfg:+ ($cfg)}: compiled and interpreted runs differ"
		diff "$tmp/interp.out" "$tmp/jit.out" | head -5 | sed 's/^/# out: /'
		diff "$tmp/interp.err" "$tmp/jit.err" | head -8 | sed 's/^/# stats: /'
	fi
}
for cfg in "${configs[@]}"; do
	for name in "${progs[@]}"; do
		[ "$cfg" != "${configs[0]}" ] && [[ $default_only == *" $name "* ]] && continue
		check "$name" "$cfg"
	done
done
for name in "${tiny[@]}"; do
	check "$name" "--tlb=1 --jit-threshold=1"
done
for name in "${crossing[@]}"; do
	check "$name" "--tlb=2x2 --jit-threshold=1"
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
