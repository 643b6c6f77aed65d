#!/bin/bash
# Runs every guest program that has a golden output under `vmlab run` and compares exactly:
#   tests/guest/NAME.c with tests/guest/expected/NAME.i386.out (the real i386 kernel),
#   else NAME.native.out: stdout, then "exit=N", run the way scripts/record-guest-golden.sh
#   ran them (cwd /tmp, stdin /dev/null, stderr dropped, env PATH=/bin, 8 MB stack, umask 022);
#   tests/guest/cpu_NAME.c with expected/cpu_NAME.out: stdout, then "exit N", empty env.
#   The guest's environment is given explicitly (--env-clear, -E PATH=/bin): vmlab's default
#   is a fixed one (docs/observe.md); its default limits are Linux's (8 MB stack).
# One TAP line per program and -O level; the sanitizer build runs only -O2.
# A golden recorded per build (NAME.O0.i386.out) is preferred to the shared one.
# Programs with a golden from the real 686-pae kernel (NAME.i386pae.out) run a second time
# with --paging=pae (release build only, to keep the suite's time).
# tests/guest/expected/KNOWN-DIFFERENCES lists lines where vmlab's output differs from the
# kernel's on purpose, each with its reason: vmlab must print exactly its listed line there,
# and the rest of the output must match.
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
	# /probe is shared by every checkout on the machine: one run at a time uses it
	exec 9>/probe/.lock
	flock 9
fi
trap 'rm -rf "$tmp"' EXIT

known=tests/guest/expected/KNOWN-DIFFERENCES

# Replaces in a copy of the output each listed vmlab line by the kernel's line; fails (prints
# the reason) when a listed vmlab line is missing, so the list cannot go stale.
apply_known() { # name got -> writes got.cmp
	local name=$1 got=$2 kname gline vline why
	cp "$got" "$got.cmp"
	[ -f "$known" ] || return 0
	while IFS=$'\t' read -r kname gline vline why; do
		[ "$kname" = "$name" ] || continue
		if ! grep -qxF -- "$vline" "$got.cmp"; then
			echo "# known difference no longer seen: $vline"
			return 1
		fi
		echo "# known difference ($why): vmlab prints \"$vline\""
		awk -v v="$vline" -v g="$gline" '$0 == v && !done { print g; done = 1; next } { print }' \
			"$got.cmp" >"$got.tmp" && mv "$got.tmp" "$got.cmp"
	done < <(grep -v '^#' "$known")
}

check() { # name label expected got
	n=$((n + 1))
	local notes
	notes=$(apply_known "$1" "$4")
	if [ $? -eq 0 ] && cmp -s "$3" "$4.cmp"; then
		echo "ok $n - run $2"
		[ -n "$notes" ] && echo "$notes"
	else
		echo "not ok $n - run $2"
		[ -n "$notes" ] && echo "$notes"
		diff "$3" "$4.cmp" | head -8 | sed 's/^/# /'
		grep -v '^$' "$4.err" 2>/dev/null | head -3 | sed 's/^/# stderr: /'
	fi
}

golden() { # name level flavour(i386|i386pae)
	local d=tests/guest/expected f
	for f in "$d/$1.$2.$3.out" "$d/$1.$3.out"; do
		[ -f "$f" ] && { echo "$f"; return; }
	done
	[ "$3" = i386 ] || return
	for f in "$d/$1.$2.native.out" "$d/$1.native.out" "$d/$1.out"; do
		[ -f "$f" ] && { echo "$f"; return; }
	done
}

for src in tests/guest/*.c; do
	name=$(basename "$src" .c)
	case $name in bench_*) continue ;; esac
	for mode in i386 i386pae; do
		[ "$mode" = i386pae ] && [ "$VMLAB_BUILD" = san ] && continue
		opts=""
		[ "$mode" = i386pae ] && opts="--paging=pae"
		for O in $levels; do
			exp=$(golden "$name" "$O" "$mode")
			[ -n "$exp" ] || continue
			label="$name-$O${opts:+ $opts}"
			bin=$ROOT/build/guest/$name-$O
			if [ ! -x "$bin" ]; then
				n=$((n + 1))
				echo "ok $n - run $label # SKIP $bin not built (make guests)"
				continue
			fi
			got=$tmp/$name-$O-$mode
			run=$bin
			if [ -n "$probe" ]; then
				# run under the name the golden was recorded with: -O0 for a shared
				# golden, the build's own for a per-build one
				pname=$name-O0
				case $exp in */$name.$O.*) pname=$name-$O ;; esac
				cp "$bin" "/probe/$pname" 2>/dev/null && run=/probe/$pname
			fi
			rc=0
			case $name in
			cpu_*)
				env -i timeout -s KILL 120 "$VMLAB" run $opts --env-clear -- "$run" </dev/null >"$got" 2>"$got.err" || rc=$?
				echo "exit $rc" >>"$got"
				;;
			*)
				(ulimit -s 8192; umask 022; cd /tmp && exec env -i PATH=/bin timeout -s KILL 120 \
					"$VMLAB" run $opts --env-clear -E PATH=/bin -- "$run" </dev/null) >"$got" 2>"$got.err" || rc=$?
				echo "exit=$rc" >>"$got"
				;;
			esac
			[ "$run" != "$bin" ] && rm -f "$run"
			check "$name" "$label" "$exp" "$got"
		done
	done
done
echo "1..$n"
