#!/bin/bash
# Records the expected output of every guest test program (tests/guest/*.c
# except cpu_* and bench_*, which have their own goldens) from real Linux:
#   tests/guest/expected/NAME.native.out  this host's kernel (x86-64, compat mode)
#   tests/guest/expected/NAME.i386.out    Debian's real i386 686 kernel under qemu
# Each file is the program's stdout followed by a line "exit=N" (N = 128+SIG
# when a signal killed it). -O0 and -O2 builds must print the same; a
# difference is reported and fails the script (except for programs marked
# "Golden per build", see install_golden).
#
# How the programs are run, on both kernels (vmlab's e2e test must do the same):
#   cwd /tmp, stdin /dev/null, stderr discarded, environment exactly PATH=/bin,
#   RLIMIT_STACK 8 MB, umask 022, no address-space randomisation (native: setarch i686 -R,
#   which also makes uname -m say i686; i386: the kernel's norandmaps), as root.
#   i386: the program is /probe/NAME-O0 (argv[0] is that path), under -m 1024.
# Usage: scripts/record-guest-golden.sh [--native-only|--i386-only|--pae-only] [NAME ...]
#   --pae-only: run the i386 part on the 686-pae kernel (PAE paging) instead,
#   writing NAME.i386pae.out, the reference for vmlab --paging=pae.
#   The default run does native and i386 (686) only.
set -euo pipefail
ROOT=$(cd "$(dirname "$0")/.." && pwd)
cd "$ROOT"
EXP=tests/guest/expected
do_native=1 do_i386=1 flavour=686 kind=i386
case ${1:-} in
--native-only) do_i386=0; shift ;;
--i386-only) do_native=0; shift ;;
--pae-only) do_native=0 flavour=686-pae kind=i386pae; shift ;;
esac
if [ $# -gt 0 ]; then
	names=("$@")
else
	names=()
	for s in tests/guest/*.c; do
		n=$(basename "$s" .c)
		case $n in cpu_* | bench_*) continue ;; esac
		# helpers of e2e scripts (the system-call fuzzer among them) must not run on
		# the host: their header says "No golden"
		grep -q 'No golden' "$s" && continue
		names+=("$n")
	done
fi
targets=()
for n in "${names[@]}"; do targets+=("build/guest/$n-O0" "build/guest/$n-O2"); done
# -B: the programs include tests/guest/guestutil.h, which the Makefile's
# guest rule does not list as a prerequisite.
make -s -B -j2 "${targets[@]}"
make -s build/native/sigdfl
mkdir -p "$EXP"
status=0

# Compares the -O0 and -O2 outputs of one program and installs the golden.
# A program whose header says "Golden per build" prints addresses that depend
# on the binary's size: it gets NAME.O0.KIND.out and NAME.O2.KIND.out.
install_golden() { # name kind dir
	local n=$1 kind=$2 d=$3
	if grep -q 'Golden per build' "tests/guest/$n.c"; then
		cp "$d/$n-O0" "$EXP/$n.O0.$kind.out"
		cp "$d/$n-O2" "$EXP/$n.O2.$kind.out"
		return
	fi
	if ! cmp -s "$d/$n-O0" "$d/$n-O2"; then
		echo "record-guest-golden: $n ($kind): -O0 and -O2 print different output:" >&2
		diff "$d/$n-O0" "$d/$n-O2" | head -10 >&2 || true
		status=1
	fi
	cp "$d/$n-O0" "$EXP/$n.$kind.out"
}

if [ "$do_native" = 1 ]; then
	out=$(mktemp -d)
	for n in "${names[@]}"; do
		# A native run on a multi-core x86-64 host races where the i386 VM does not.
		grep -q 'Golden: i386 only' "tests/guest/$n.c" && continue
		for o in O0 O2; do
			set +e
			# The braces' 2>/dev/null silences bash's "Segmentation fault" reports.
			{ (ulimit -s 8192; umask 022; cd /tmp && exec env -i PATH=/bin timeout -s KILL 60 \
				setarch i686 -R "$ROOT/build/native/sigdfl" "$ROOT/build/guest/$n-$o" </dev/null 2>/dev/null) >"$out/$n-$o"; } 2>/dev/null
			rc=$?
			set -e
			echo "exit=$rc" >>"$out/$n-$o"
		done
		install_golden "$n" native "$out"
	done
	rm -rf "$out"
	echo "record-guest-golden: native goldens written for ${#names[@]} programs" >&2
fi

if [ "$do_i386" = 1 ]; then
	pay=$(mktemp -d)
	i386_names=()
	for n in "${names[@]}"; do
		# qemu TCG cannot stand in for the CPU in some programs (seg_limits).
		grep -q 'Golden: native only' "tests/guest/$n.c" && continue
		i386_names+=("$n")
		cp "build/guest/$n-O0" "build/guest/$n-O2" "$pay/"
		echo "$n-O0 $n-O2" >>"$pay/list"
	done
	cat >"$pay/run.sh" <<'RUN'
ulimit -s 8192
umask 022
for b in $(cat /probe/list); do
	# stdout to a file, not the console: a tty would change stdio buffering.
	# The shell's own stderr goes away: it reports signal deaths there.
	{ (cd /tmp && exec env -i PATH=/bin /probe/$b </dev/null >/tmp/.out 2>/dev/null); echo "exit=$?" >>/tmp/.out; } 2>/dev/null
	echo "@@PROG $b@@"
	cat /tmp/.out
	rm -f /tmp/.out
done
RUN
	out=$(mktemp -d)
	ORACLE_TIMEOUT=${ORACLE_TIMEOUT:-900} scripts/linux-oracle/boot.sh "$flavour" 1024 "$pay" >"$out/all"
	awk -v d="$out" '/^@@PROG .*@@$/ { f = d "/" substr($2, 1, length($2) - 2); printf "" > f; next } f { print >> f }' "$out/all"
	for n in "${i386_names[@]}"; do
		[ -f "$out/$n-O0" ] || { echo "record-guest-golden: $n: no $kind output" >&2; status=1; continue; }
		install_golden "$n" "$kind" "$out"
	done
	rm -rf "$pay" "$out"
	echo "record-guest-golden: $kind ($flavour) goldens written for ${#i386_names[@]} programs" >&2
fi
exit $status
