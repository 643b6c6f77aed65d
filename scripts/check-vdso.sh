#!/bin/sh
# Checks the built vDSO (src/kernel/vdso32) before it is embedded: it must need no
# run-time relocation (nothing would apply one), fit in the two [vdso] pages, and have its
# entry points at the offsets src/kernel/exec.h names.
set -eu
so=$1
fail() { echo "check-vdso: $so: $*" >&2; exit 1; }
if readelf -r "$so" | grep -q 'Relocation section'; then fail "has dynamic relocations"; fi
size=$(wc -c <"$so")
[ "$size" -le 8192 ] || fail "is $size bytes, more than the 2 pages of [vdso]"
sym() { readelf --dyn-syms -W "$so" | awk -v n="$1" '$8 ~ "^"n"@" {print $2}'; }
for e in __kernel_vsyscall:570 __kernel_sigreturn:590 __kernel_rt_sigreturn:5a0; do
	name=${e%:*} want=${e#*:}
	got=$(sym "$name" | sed 's/^0*//')
	[ "$got" = "$want" ] || fail "$name at 0x${got:-?}, exec.h says 0x$want"
done
