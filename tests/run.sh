#!/bin/bash
# Runs every test program and totals their TAP lines ("ok", "not ok", "# SKIP").
# Unit tests run in both builds (build/rel and build/san); end-to-end scripts in
# tests/e2e/*.sh run with VMLAB pointing at each build (they may skip the slow
# parts under the sanitizer build by looking at VMLAB_BUILD).
# A test program that exits non-zero without reporting a failure counts as one failure.
#
# Tests run VMLAB_TEST_JOBS at a time (default: the number of CPUs, at most 8; 1 runs them
# one after another). Two tests that share host state never overlap: each test is in a
# group, and one test of a group runs at a time.
#  - A script's rel and sanitizer runs are one group (each writes its own mktemp
#    directories, but some reuse fixed paths under build/).
#  - "corpus": the scripts that run the guest programs that make a scratch directory
#    (tests/guest/guestutil.h's /tmp/vmlab-guest-NAME.PID: under vmlab the guest's pid is
#    the same in every run) or bind sockets of fixed names in /tmp (net_unix, net_unix_scm;
#    oracle_selfcheck runs them natively there).
#  - "debroot": the scripts that build or read build/debroot and build/dynroot.
# The longest tests start first (their names lead the list below), so that the last test to
# finish is a short one. Each test's result line is printed when it finishes; the totals
# line comes last.
cd "$(dirname "$0")/.."
pass=0 fail=0 skip=0
export CMOCKA_MESSAGE_OUTPUT=TAP
log=build/test-logs
mkdir -p "$log"

jobs=${VMLAB_TEST_JOBS:-$(nproc 2>/dev/null || echo 1)}
[[ $jobs =~ ^[0-9]+$ ]] && [ "$jobs" -ge 1 ] || jobs=1
[ "$jobs" -gt 8 ] && jobs=8
# `wait -n -p` (which of the running tests ended) needs bash 5.1; older ones run one at a time
newbash=0
((BASH_VERSINFO[0] > 5 || (BASH_VERSINFO[0] == 5 && BASH_VERSINFO[1] >= 1))) && newbash=1
[ $newbash = 1 ] || jobs=1

# measured on a 2-core host; only the order matters
first=(rel/e2e/jit_equiv rel/e2e/run_guest san/e2e/jit_equiv rel/e2e/oracle_selfcheck rel/e2e/swap
	san/e2e/run_guest rel/e2e/diffcpu rel/e2e/tlb_stats_equiv san/e2e/translate rel/e2e/debian
	san/e2e/diffcpu rel/e2e/dynamic san/e2e/sandbox)

group_of() { # test name (BUILD/e2e/SCRIPT or BUILD/test_X)
	local base=${1##*/}
	case $base in
	run_guest | jit_equiv | observe_stats | fuzz_syscalls | oracle_selfcheck) echo corpus ;;
	debian | dynamic) echo debroot ;;
	*) echo "$base" ;;
	esac
}

names=() cmds=() groups=()
add() { names+=("$1") cmds+=("$2") groups+=("$(group_of "$1")"); }
for build in rel san; do
	for t in build/$build/tests/unit/test_*; do
		[ -x "$t" ] && add "$build/$(basename "$t")" "$t"
	done
	for t in tests/e2e/*.sh; do
		[ -x "$t" ] && add "$build/e2e/$(basename "$t" .sh)" "$t"
	done
done
order=()
declare -A listed=()
for f in "${first[@]}"; do
	for i in "${!names[@]}"; do [ "${names[$i]}" = "$f" ] && order+=("$i") && listed[$f]=1; done
done
for i in "${!names[@]}"; do [ -n "${listed[${names[$i]}]}" ] || order+=("$i"); done

outfile() { local n=$1; echo "$log/${n//\//_}.log"; }

run_one() { # index
	local name=${names[$1]} t=${cmds[$1]} out start=$SECONDS rc
	out=$(outfile "$name")
	if [[ $name == */e2e/* ]]; then
		local build=${name%%/*}
		VMLAB="$PWD/build/$build/vmlab" VMLAB_BUILD=$build timeout 600 "$t" >"$out" 2>&1
	else
		timeout 300 "$t" >"$out" 2>&1
	fi
	rc=$?
	echo "$rc $((SECONDS - start))" >"$out.status"
}

tally() { # name
	local name=$1 out rc secs p f s
	out=$(outfile "$name")
	read -r rc secs <"$out.status" || rc=1 secs=0
	rm -f "$out.status"
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

# fetched once here: the scripts that use busybox would otherwise fetch it at once on a
# fresh clone, into one file
scripts/get-busybox.sh >/dev/null 2>&1

declare -A running=() busy=()
# (timeout puts each test in a process group of its own: its child gets the signal from it)
stop_all() {
	for p in "${!running[@]}"; do
		pkill -TERM -P "$p" 2>/dev/null
		kill "$p" 2>/dev/null
	done
}
trap stop_all EXIT
trap 'exit 130' INT TERM
while [ ${#order[@]} -gt 0 ] || [ ${#running[@]} -gt 0 ]; do
	# start the first waiting tests whose groups are free
	while [ ${#running[@]} -lt "$jobs" ]; do
		pick=-1
		for k in "${!order[@]}"; do
			[ -z "${busy[${groups[${order[$k]}]}]}" ] && pick=$k && break
		done
		[ $pick -ge 0 ] || break
		i=${order[$pick]}
		unset "order[$pick]"
		order=("${order[@]}")
		busy[${groups[$i]}]=1
		run_one "$i" &
		running[$!]=$i
	done
	done_pid=
	if [ $newbash = 1 ]; then
		wait -n -p done_pid
	else
		done_pid=${!running[*]}
		wait "$done_pid"
	fi
	[ -n "$done_pid" ] && [ -n "${running[$done_pid]}" ] || continue
	i=${running[$done_pid]}
	unset "running[$done_pid]"
	unset "busy[${groups[$i]}]"
	tally "${names[$i]}"
done
echo "$pass passed, $fail failed, $skip skipped"
[ "$fail" -eq 0 ]
