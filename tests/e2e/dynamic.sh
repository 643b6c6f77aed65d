#!/bin/bash
# Dynamically linked programs (docs/dynamic.md): every tests/dynguest/NAME.c, built as a PIE,
# a non-PIE and a static-pie (make guests), runs under vmlab with the host's own i386
# libraries (gcc-multilib's /usr/lib32) and must print exactly what the same binary prints
# run natively (setarch i686 -R: no randomisation), under 2-level and PAE paging. The
# programs print nothing that depends on the kernel's bitness (this host runs them in an
# x86-64 kernel's compat mode). Then where the loader put things, from Linux's formulas for a
# 32-bit kernel: a PIE at ELF_ET_DYN_BASE (0x00400000), ld.so right below mmap_base
# (TASK_SIZE - 128 MB with an 8 MB stack) for each --vmsplit, the break right after the
# executable, and malformed interpreters refused before the old image goes.
cd "$(dirname "$0")/../.."
ROOT=$PWD
VMLAB=${VMLAB:-$ROOT/build/rel/vmlab}
n=0
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
pagings="2level pae"
[ "$VMLAB_BUILD" = san ] && pagings=2level # the sanitizer build: half the runs
ok() { n=$((n + 1)); echo "ok $n - $1"; }
notok() { n=$((n + 1)); echo "not ok $n - $1"; }
run_env() { (ulimit -s 8192; umask 022; cd /tmp && exec env -i PATH=/bin timeout -s KILL 120 "$@" </dev/null); }

if [ ! -e /lib/ld-linux.so.2 ] && [ ! -e /usr/lib32/ld-linux.so.2 ]; then
	echo "ok 1 - dynamic programs # SKIP no i386 ld.so on this host (apt-get install gcc-multilib)"
	echo "1..1"
	exit 0
fi
for src in tests/dynguest/*.c; do
	name=$(basename "$src" .c)
	grep -q 'Checked under vmlab only\|Checked by its own test' "$src" && continue
	for mode in pie nopie spie; do
		bin=$ROOT/build/dynguest/$name-$mode
		if [ ! -x "$bin" ]; then
			n=$((n + 1)); echo "ok $n - $name-$mode # SKIP not built (make guests)"
			continue
		fi
		rc=0; run_env setarch i686 -R "$bin" >"$tmp/native" 2>/dev/null || rc=$?
		echo "exit=$rc" >>"$tmp/native"
		for paging in $pagings; do
			rc=0; run_env "$VMLAB" run --env-host --paging=$paging -- "$bin" >"$tmp/vm" 2>"$tmp/err" || rc=$?
			echo "exit=$rc" >>"$tmp/vm"
			if cmp -s "$tmp/native" "$tmp/vm"; then
				ok "$name-$mode --paging=$paging: same output as native"
			else
				notok "$name-$mode --paging=$paging: same output as native"
				diff "$tmp/native" "$tmp/vm" | head -8 | sed 's/^/# /'
				head -3 "$tmp/err" | sed 's/^/# stderr: /'
			fi
		done
	done
done

# A library of this tree found through LD_LIBRARY_PATH, with and without LD_PRELOAD: TLS,
# symbol versions, IFUNC, interposition. (vmlab itself, an x86-64 program, gets the
# LD_PRELOAD too: the host's ld.so ignores the 32-bit library with a message on stderr.)
L=$ROOT/build/dynguest
for mode in pie nopie; do
	[ -x "$L/dyn_libs-$mode" ] || continue
	for pre in "" "$L/libvmlabpreload.so"; do
		rc=0; (cd /tmp && exec env -i PATH=/bin LD_LIBRARY_PATH="$L" ${pre:+LD_PRELOAD=$pre} \
			setarch i686 -R "$L/dyn_libs-$mode" </dev/null) >"$tmp/native" 2>/dev/null || rc=$?
		echo "exit=$rc" >>"$tmp/native"
		for paging in $pagings; do
			rc=0; (cd /tmp && exec env -i PATH=/bin LD_LIBRARY_PATH="$L" ${pre:+LD_PRELOAD=$pre} \
				"$VMLAB" run --env-host --paging=$paging -- "$L/dyn_libs-$mode" </dev/null) >"$tmp/vm" 2>/dev/null || rc=$?
			echo "exit=$rc" >>"$tmp/vm"
			label="dyn_libs-$mode${pre:+ LD_PRELOAD} --paging=$paging: same output as native"
			if grep -q "IFUNC lib_pick=1" "$tmp/native" && cmp -s "$tmp/native" "$tmp/vm"; then
				ok "$label"
			else
				notok "$label"
				diff "$tmp/native" "$tmp/vm" | head -8 | sed 's/^/# /'
			fi
		done
	done
done

# Addresses a 32-bit kernel chooses (not comparable with the x86-64 host's).
bin=$ROOT/build/dynguest/dyn_startup
if [ -x "$bin-pie" ]; then
	for split in 3G:b8000000 2G:78000000 1G:38000000; do
		s=${split%%:*} base=${split#*:}
		run_env "$VMLAB" run --env-host --vmsplit=$s -- "$bin-pie" raw >"$tmp/raw" 2>/dev/null
		first=$(grep '^raw ' "$tmp/raw" | head -1 | awk '{print $2}')
		ldtop=$(grep '^raw .*ld-linux' "$tmp/raw" | tail -1 | awk '{print $2}' | cut -d- -f2)
		heap=$(grep '^raw .*\[heap\]' "$tmp/raw" | awk '{print $2}' | cut -d- -f1)
		exe_end=$(grep '^raw .*dyn_startup-pie' "$tmp/raw" | tail -1 | awk '{print $2}' | cut -d- -f2)
		if [[ $first == 00400000-* ]] && [ "$ldtop" = "$base" ] && [ "$heap" = "$exe_end" ]; then
			ok "--vmsplit=$s: PIE at 0x00400000, ld.so ends at mmap_base $base, heap after the executable"
		else
			notok "--vmsplit=$s: PIE at 0x00400000 (got $first), ld.so ends at $base (got $ldtop), heap at $exe_end (got $heap)"
		fi
	done
	run_env "$VMLAB" run --env-host -- "$bin-nopie" raw >"$tmp/raw" 2>/dev/null
	first=$(grep '^raw ' "$tmp/raw" | head -1 | awk '{print $2}')
	[[ $first == 08048000-* ]] && ok "non-PIE at its link address 0x08048000" ||
		notok "non-PIE at its link address 0x08048000 (got $first)"
	# static-pie: no interpreter, so placed by mmap like ld.so itself: its top at mmap_base
	# its bss ends there, and its break is moved to ELF_ET_DYN_BASE (a loader's, 6.1.176)
	run_env "$VMLAB" run --env-host -- "$bin-spie" raw >"$tmp/raw" 2>/dev/null
	bss=$(grep -A1 '^raw .*dyn_startup-spie' "$tmp/raw" | tail -1 | awk '{print $2}')
	brk=$(grep '^raw .*\[heap\]' "$tmp/raw" | tail -1 | awk '{print $2}')
	if [ "${bss#*-}" = b8000000 ] && [[ $brk == 00400000-* ]]; then
		ok "static-pie placed top-down at mmap_base, its break at 0x00400000"
	else
		notok "static-pie placed top-down at mmap_base (bss $bss), break at 0x00400000 (heap $brk)"
	fi
	# --randomize: the PIE moves within 8 bits of pages above 0x00400000, deterministically
	a=$(run_env "$VMLAB" run --env-host --randomize --seed=7 -- "$bin-pie" raw 2>/dev/null | grep '^raw ' | head -1)
	b=$(run_env "$VMLAB" run --env-host --randomize --seed=7 -- "$bin-pie" raw 2>/dev/null | grep '^raw ' | head -1)
	c=$(run_env "$VMLAB" run --env-host --randomize --seed=8 -- "$bin-pie" raw 2>/dev/null | grep '^raw ' | head -1)
	s=$((16#$(echo "$a" | awk '{print $2}' | cut -d- -f1)))
	if [ "$a" = "$b" ] && [ "$a" != "$c" ] && [ $s -ge $((0x400000)) ] && [ $s -lt $((0x500000)) ]; then
		ok "--randomize: PIE base in [0x400000, 0x500000), same seed same layout"
	else
		notok "--randomize: PIE base in [0x400000, 0x500000), same seed same layout ($a / $b / $c)"
	fi
fi

# Two processes running the same dynamic program share the libraries' page-cache frames:
# alone, Pss = Rss; beside its waiting parent, the child's Pss = Shared_Clean/2 + Private.
if [ -x "$ROOT/build/dynguest/dyn_share-pie" ]; then
	run_env "$VMLAB" run --env-host -- "$ROOT/build/dynguest/dyn_share-pie" >"$tmp/share" 2>"$tmp/err"
	verdict=$(awk '
		/ Rss=/ {
			for (i = 3; i <= NF; i++) { split($i, kv, "="); v[kv[1]] = kv[2] }
			if ($1 == "alone" && (v["Pss"] != v["Rss"] || v["Shared_Clean"] != 0)) bad = bad " alone:" $2
			if ($1 == "child" && (v["Shared_Clean"] == 0 ||
			    v["Pss"] * 2 != v["Shared_Clean"] + 2 * (v["Private_Clean"] + v["Private_Dirty"])))
				bad = bad " child:" $2
			seen[$1]++
		}
		END { if (seen["alone"] != 2 || seen["child"] != 2) bad = bad " missing lines"; print bad == "" ? "ok" : bad }' "$tmp/share")
	rollup=$(grep -c 'rollup sums smaps: 1' "$tmp/share")
	if [ "$verdict" = ok ] && [ "$rollup" = 2 ]; then
		ok "ld.so and libc text shared by two processes: Pss halves (smaps), smaps_rollup sums every VMA"
	else
		notok "ld.so and libc text shared by two processes: Pss halves ($verdict, rollup lines $rollup)"
		sed 's/^/# /' "$tmp/share" | head -8
	fi
fi

# The real i386 kernel's output (scripts/record-dynamic-golden.sh): the same binaries with
# Debian's ld.so, libc and libm in a root of the oracle's layout, maps with addresses and
# all; only the device and inode columns are masked.
G=tests/golden/linux/dynamic
if [ -f $G/SHA256SUMS ] && scripts/debian-root.sh libc6 >"$tmp/log" 2>&1; then
	R=$ROOT/build/dynroot
	rm -rf "$R"
	mkdir -p "$R/lib/i386-linux-gnu" "$R/probe/lib" "$R/tmp"
	for l in ld-linux.so.2 libc.so.6 libm.so.6; do
		cp -L "$ROOT/build/debroot/lib/i386-linux-gnu/$l" "$R/lib/i386-linux-gnu/$l"
		cp -L "$ROOT/build/debroot/lib/i386-linux-gnu/$l" "$R/probe/lib/$l"
	done
	ln -s i386-linux-gnu/ld-linux.so.2 "$R/lib/ld-linux.so.2"
	for m in pie nopie spie; do cp "$ROOT/build/dynguest/dyn_startup-$m" "$R/probe/" 2>/dev/null; done
	if (cd "$R/probe" && sha256sum --quiet -c "$ROOT/$G/SHA256SUMS" >/dev/null 2>&1); then
		for m in pie nopie spie; do
			for paging in $pagings; do
				f=686; [ $paging = pae ] && f=686-pae
				{ (cd "$R/tmp" && ulimit -s 8192 && umask 022 && exec env -i PATH=/bin timeout -s KILL 60 \
					"$VMLAB" run --env-host --paging=$paging --root="$R" -- /probe/dyn_startup-$m raw </dev/null 2>/dev/null)
				  echo "exit=$?"; } |
					sed -E 's/^(raw [0-9a-f]+-[0-9a-f]+ [-rwxps]{4} [0-9a-f]{8}) [0-9a-f]{2}:[0-9a-f]{2} [0-9]+( +|$)/\1 DEV INO\2/; s/^(raw .* DEV INO) +/\1 /' >"$tmp/vm"
				if cmp -s "$G/$f/dyn_startup-$m.out" "$tmp/vm"; then
					ok "dyn_startup-$m --paging=$paging: output and /proc/self/maps equal the real i386 kernel's"
				else
					notok "dyn_startup-$m --paging=$paging: output and /proc/self/maps equal the real i386 kernel's"
					diff "$G/$f/dyn_startup-$m.out" "$tmp/vm" | head -8 | sed 's/^/# /'
				fi
			done
		done
	else
		n=$((n + 1))
		echo "ok $n - real i386 kernel goldens # SKIP the binaries or Debian's libc differ from the recorded ones (scripts/record-dynamic-golden.sh re-records)"
	fi
else
	n=$((n + 1))
	echo "ok $n - real i386 kernel goldens # SKIP Debian's libc6:i386 cannot be downloaded"
fi

# Bad interpreters: refused with a message before anything runs.
mkelf() { # out interp-name: the PIE with its PT_INTERP string replaced (same length or shorter)
	python3 - "$1" "$2" "$bin-pie" <<'PY'
import sys, struct
out, name, src = sys.argv[1], sys.argv[2].encode(), sys.argv[3]
b = bytearray(open(src, 'rb').read())
phoff, = struct.unpack_from('<I', b, 28); phnum, = struct.unpack_from('<H', b, 44)
for i in range(phnum):
    t, off, va, pa, fsz = struct.unpack_from('<5I', b, phoff + 32 * i)
    if t == 3:
        if name == b'NOTERM':
            b[off + fsz - 1] = ord('x')
        else:
            b[off:off + fsz] = name.ljust(fsz, b'\0')
open(out, 'wb').write(b)
PY
	chmod +x "$1"
}
if [ -x "$bin-pie" ] && command -v python3 >/dev/null; then
	# relative interpreter names are looked up from the cwd, as by Linux's open_exec
	printf 'not an elf file\n' >"$tmp/fake"; chmod +x "$tmp/fake"
	mkelf "$tmp/p-missing" /nonexistent/ld.so
	mkelf "$tmp/p-notelf" fake
	seq 1 40 >"$tmp/fake2"; chmod +x "$tmp/fake2"
	mkelf "$tmp/p-notelf2" fake2
	mkelf "$tmp/p-noterm" NOTERM
	for c in "p-missing:127:No such file:interpreter /nonexistent/ld.so" \
		"p-notelf:126:not an ELF file:interpreter fake" "p-noterm:126:NUL-terminated:PT_INTERP"; do
		f=${c%%:*} rest=${c#*:}; want=${rest%%:*} rest=${rest#*:}; m1=${rest%%:*} m2=${rest#*:}
		rc=0; (cd "$tmp" && exec "$VMLAB" run --env-host -- "./$f") >/dev/null 2>"$tmp/err" || rc=$?
		if [ $rc = "$want" ] && grep -q "$m1" "$tmp/err" && grep -q "$m2" "$tmp/err"; then
			ok "$f refused: exit $rc, $(head -1 "$tmp/err")"
		else
			notok "$f refused with exit $want and a message (exit $rc: $(head -1 "$tmp/err"))"
		fi
	done
	# execve of them from a dynamic program fails back to it: ENOENT, ELIBBAD
	rc=0; (cd "$tmp" && exec env -i PATH=/bin setarch i686 -R "$ROOT/build/dynguest/dyn_exec-pie" \
		./p-missing ./p-notelf ./p-notelf2) >"$tmp/native" 2>/dev/null || rc=$?
	echo "exit=$rc" >>"$tmp/native"
	rc=0; (cd "$tmp" && exec env -i PATH=/bin "$VMLAB" run --env-host -- "$ROOT/build/dynguest/dyn_exec-pie" \
		./p-missing ./p-notelf ./p-notelf2) >"$tmp/vm" 2>"$tmp/err" || rc=$?
	echo "exit=$rc" >>"$tmp/vm"
	# (a 16-byte interpreter is a short read of its ELF header: EIO, as elf_read says)
	if grep -q ENOENT "$tmp/native" && grep -q EIO "$tmp/native" && grep -q ELIBBAD "$tmp/native" &&
		cmp -s "$tmp/native" "$tmp/vm"; then
		ok "execve with a missing, short or non-ELF interpreter: ENOENT, EIO, ELIBBAD, as native"
	else
		notok "execve with a missing, short or non-ELF interpreter: ENOENT, EIO, ELIBBAD, as native"
		diff "$tmp/native" "$tmp/vm" | head -8 | sed 's/^/# /'
	fi
	# ld.so run as the program (ET_DYN, no interpreter: placed by mmap) loads the PIE itself
	ld=/lib/ld-linux.so.2
	rc=0; run_env setarch i686 -R $ld "$bin-pie" >"$tmp/native" 2>/dev/null || rc=$?
	echo "exit=$rc" >>"$tmp/native"
	rc=0; run_env "$VMLAB" run --env-host -- $ld "$bin-pie" >"$tmp/vm" 2>"$tmp/err" || rc=$?
	echo "exit=$rc" >>"$tmp/vm"
	if cmp -s "$tmp/native" "$tmp/vm"; then
		ok "$ld PROGRAM: same output as native"
	else
		notok "$ld PROGRAM: same output as native"
		diff "$tmp/native" "$tmp/vm" | head -8 | sed 's/^/# /'
	fi
fi
echo "1..$n"
