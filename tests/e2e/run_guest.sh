#!/bin/bash
# Runs every guest program that has a golden output under `vmlab run` and compares exactly:
#   tests/guest/NAME.c with tests/guest/expected/NAME.i386.out (the real i386 kernel),
#   else NAME.native.out: stdout, then "exit=N", run the way scripts/record-guest-golden.sh
#   ran them (cwd /tmp, stdin /dev/null, stderr dropped, env PATH=/bin, 8 MB stack, umask 022);
#   tests/guest/cpu_NAME.c with expected/cpu_NAME.out: stdout, then "exit N", empty env.
# One TAP line per program and -O level; the sanitizer build runs only -O2.
# A program that fails because a system call is missing fails here: nothing is skipped
# except binaries that were not built (make guests).
cd "$(dirname "$0")/../.."
ROOT=$PWD
levels="O0 O2"
[ "$VMLAB_BUILD" = san ] && levels="O2"
n=0
tmp=$(mktemp -d)
# The i386 goldens ran each program as /probe/NAME-O0: argv[0], AT_EXECFN and the stack
# offsets depend on that path, so the programs run from there when /probe can be made.
probe=""
if mkdir -p /probe 2>/dev/null && [ -w /probe ]; then
	probe=/probe
fi
trap 'rm -rf "$tmp"' EXIT

check() { # name level expected got
	n=$((n + 1))
	if cmp -s "$3" "$4"; then
		echo "ok $n - run $1-$2"
	else
		echo "not ok $n - run $1-$2"
		diff "$3" "$4" | head -8 | sed 's/^/# /'
		grep -v '^$' "$4.err" 2>/dev/null | head -3 | sed 's/^/# stderr: /'
	fi
}

for src in tests/guest/*.c; do
	name=$(basename "$src" .c)
	case $name in bench_*) continue ;; esac
	exp=""
	if [ -f "tests/guest/expected/$name.i386.out" ]; then
		exp=tests/guest/expected/$name.i386.out
	elif [ -f "tests/guest/expected/$name.native.out" ]; then
		exp=tests/guest/expected/$name.native.out
	elif [ -f "tests/guest/expected/$name.out" ]; then
		exp=tests/guest/expected/$name.out
	fi
	[ -n "$exp" ] || continue
	for O in $levels; do
		bin=$ROOT/build/guest/$name-$O
		if [ ! -x "$bin" ]; then
			n=$((n + 1))
			echo "ok $n - run $name-$O # SKIP $bin not built (make guests)"
			continue
		fi
		got=$tmp/$name-$O
		run=$bin
		if [ -n "$probe" ]; then
			# both levels run under the -O0 name the golden was recorded with
			cp "$bin" "/probe/$name-O0" 2>/dev/null && run=/probe/$name-O0
		fi
		rc=0
		case $name in
		cpu_*)
			env -i timeout -s KILL 120 "$VMLAB" run -- "$run" </dev/null >"$got" 2>"$got.err" || rc=$?
			echo "exit $rc" >>"$got"
			;;
		*)
			(ulimit -s 8192; umask 022; cd /tmp && exec env -i PATH=/bin timeout -s KILL 120 \
				"$VMLAB" run -- "$run" </dev/null) >"$got" 2>"$got.err" || rc=$?
			echo "exit=$rc" >>"$got"
			;;
		esac
		[ "$run" != "$bin" ] && rm -f "$run"
		check "$name" "$O" "$exp" "$got"
	done
done
echo "1..$n"
