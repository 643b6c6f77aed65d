#!/bin/bash
# Dynamically linked Debian i386 programs (docs/dynamic.md): wall time of vmlab run against
# the same binaries run natively (through the root's ld.so --library-path) and under
# qemu-i386 (user-mode emulation, -L ROOT; "n/a" when Debian's qemu-user is not installed),
# in one run:
#   - startup: /bin/true 20 times (exec, ld.so loading and relocating libc, exit)
#   - python3 -c with a CPU-bound loop (2 million iterations of integer arithmetic)
#   - xz -9 of 20 MB of text (seq output; DYN_BENCH_XZ_MB=N for another size: under vmlab
#     20 MB takes about 50 times the native 25 s)
# The root is build/debroot made by scripts/debian-root.sh (coreutils xz-utils python3-minimal).
# Usage: bench/dynamic.sh [VMLAB]   (default build/rel/vmlab)
cd "$(dirname "$0")/.."
VMLAB=$(realpath "${1:-build/rel/vmlab}")
D=$PWD/build/debroot
scripts/debian-root.sh libc6 coreutils xz-utils python3-minimal >/dev/null 2>&1 ||
	{ echo "bench/dynamic.sh: cannot make the Debian root (scripts/debian-root.sh)" >&2; exit 1; }
LIBS=$D/lib/i386-linux-gnu:$D/usr/lib/i386-linux-gnu
QEMU=$(command -v qemu-i386 || command -v qemu-i386-static)
mkdir -p "$D/tmp/bench"
MB=${DYN_BENCH_XZ_MB:-20}
seq 1 9000000 | head -c $((MB * 1000000)) >"$D/tmp/bench/text"

secs() { # command...: wall seconds (a failed run is reported: its time would mean nothing)
	local t0 t1 rc=0
	t0=$(date +%s.%N)
	"$@" >/dev/null 2>&1 || rc=$?
	t1=$(date +%s.%N)
	[ $rc = 0 ] || echo "bench/dynamic.sh: $* failed (status $rc)" >&2
	awk -v a="$t0" -v b="$t1" 'BEGIN { printf "%.6f", b - a }'
}
calc() { awk "BEGIN { printf \"%.6f\", $1 }"; }
row() { # label, native, vmlab, qemu
	printf "%-34s native %8.3f s   vmlab %8.3f s (x%.1f)   qemu-i386 %s\n" "$1" "$2" "$3" \
		"$(calc "$3 / $2")" \
		"$([ -n "$4" ] && printf '%8.3f s (x%.1f)' "$4" "$(calc "$4 / $2")" || echo n/a)"
}
native() { env -i PATH=/usr/bin:/bin LC_ALL=C "$D/lib/ld-linux.so.2" --library-path "$LIBS" "$D$1" "${@:2}"; }
vm() { env -i PATH=/usr/bin:/bin LC_ALL=C "$VMLAB" run --env-host --root="$D" -- "$@"; }
qemu() { env -i PATH=/usr/bin:/bin LC_ALL=C "$QEMU" -L "$D" "$D$1" "${@:2}"; }
times20() { for _ in $(seq 20); do "$@" || return; done; }

PY='s = 0
for i in range(2000000):
    s = (s + i * i) % 1000003
print(s)'
cd "$D/tmp/bench" || exit 1
for b in startup python xz; do
	case $b in
	startup) label="startup: /bin/true x20"; cmd=(times20 X /bin/true) ;;
	python) label="python3 -c (2M-iteration loop)"; cmd=(X /usr/bin/python3 -c "$PY") ;;
	xz) label="xz -9 of $MB MB"; cmd=(X /usr/bin/xz -9 -c text) ;;
	esac
	run() { local how=$1; local c=("${cmd[@]}"); for i in "${!c[@]}"; do [ "${c[$i]}" = X ] && c[$i]=$how; done; secs "${c[@]}"; }
	n=$(run native)
	v=$(run vm)
	q=""
	[ -n "$QEMU" ] && q=$(run qemu)
	row "$label" "$n" "$v" "$q"
done
