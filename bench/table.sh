#!/bin/bash
# The table of issue 14 (docs/cpu.md, "The issue-14 table"), in one run: each workload
# natively (the i386 binary run directly on the x86-64 host), under qemu-i386 (Debian's
# qemu-user), under vmlab run (default TLB model) and vmlab run --no-tlb. Prints, as a
# Markdown table, the CPU seconds (user+sys of the child) of each, the median of $TABLE_N
# runs taken in turn (native, qemu, vmlab, --no-tlb, then again), and the ratios
# vmlab/qemu-i386 and (vmlab --no-tlb)/vmlab. Every run's output is compared with the first
# native one: a cell whose run failed or printed something else shows "FAIL" (the reason on
# stderr). Rows:
#   startup    a static `true` (gcc -m32 -static), run $TABLE_STARTUP_REPS times per figure
#   md5sum, sha256sum, gzip -c, bzip2 -c   Debian's busybox-static:i386 on $TABLE_MB MB of text
#   sort       busybox sort of $TABLE_SORT_MB MB of lines
#   bench_cpu  tests/guest/bench_cpu.c at -O2 (sieve, qsort, a bytecode VM), scale $TABLE_CPU_SCALE
#   chase      bench/guest/chase.c: $TABLE_CHASE_MB MB, $TABLE_CHASE_STEPS steps, one per 4 KB page;
#              then again with vmlab run --paging=pae (native and qemu-i386 are not run again:
#              its vmlab/qemu ratio is against the 2-level row's qemu-i386 figure)
#   sse2       tests/guest/bench_fpu.c (n-body and a series, double precision) at
#              -O2 -msse2 -mfpmath=sse, scale $TABLE_FPU_SCALE
# With TABLE_BREAKDOWN=1 the vmlab columns say where vmlab's time goes instead (rows md5sum to
# bench_cpu by default): vmlab, vmlab --tlb=1024x4 (a TLB that holds these programs' pages:
# nearly no misses, every other piece of the model as in the default run) and --no-tlb (no
# TLB model). Of vmlab's time: the default TLB's misses ((vmlab - 1024x4) / vmlab), the
# model's bookkeeping of each access (LRU stamps, hit counts: (1024x4 - no-tlb) / vmlab) and
# the rest (no-tlb / vmlab); and that rest against qemu-i386 (no-tlb / qemu).
# Generated inputs and programs go to build/bench. Not part of `make test`: a few minutes.
# Usage: bench/table.sh [VMLAB]   (default build/rel/vmlab)
#   env: TABLE_N=3 TABLE_MB=20 TABLE_SORT_MB=10 TABLE_CPU_SCALE=8 TABLE_CHASE_MB=256
#        TABLE_CHASE_STEPS=10000000 TABLE_FPU_SCALE=30 TABLE_STARTUP_REPS=20
#        TABLE_ROWS="startup md5sum sha256sum gzip bzip2 sort bench_cpu chase chase_pae sse2"
#        TABLE_BREAKDOWN=1
cd "$(dirname "$0")/.." || exit 1
VMLAB=$(realpath "${1:-build/rel/vmlab}")
QEMU=${QEMU:-/usr/bin/qemu-i386}
N=${TABLE_N:-3}
MB=${TABLE_MB:-20}
SORT_MB=${TABLE_SORT_MB:-10}
CPU_SCALE=${TABLE_CPU_SCALE:-8}
CHASE_MB=${TABLE_CHASE_MB:-256}
CHASE_STEPS=${TABLE_CHASE_STEPS:-10000000}
FPU_SCALE=${TABLE_FPU_SCALE:-30}
STARTUP_REPS=${TABLE_STARTUP_REPS:-20}
BREAKDOWN=${TABLE_BREAKDOWN:-}
if [ -n "$BREAKDOWN" ]; then
	ROWS=${TABLE_ROWS:-md5sum sha256sum gzip bzip2 sort bench_cpu}
else
	ROWS=${TABLE_ROWS:-startup md5sum sha256sum gzip bzip2 sort bench_cpu chase chase_pae sse2}
fi
out=$PWD/build/bench
mkdir -p "$out"
[ -x "$VMLAB" ] || { echo "bench/table.sh: no $VMLAB (make -j2 all)" >&2; exit 1; }
[ -x "$QEMU" ] || [ "$QEMU" != /usr/bin/qemu-i386 ] || scripts/deps.sh qemu-user >&2
[ -x "$QEMU" ] || { echo "bench/table.sh: no $QEMU (Debian's qemu-user)" >&2; exit 1; }
BB=$(scripts/get-busybox.sh) || { echo "bench/table.sh: no busybox (scripts/get-busybox.sh)" >&2; exit 1; }
make -s build/guest/bench_cpu-O2 build/guest/bench_fpu-sse2 || exit 1
printf 'int main(void) { return 0; }\n' >"$out/true.c"
gcc -m32 -static -O2 -o "$out/true" "$out/true.c" || exit 1
gcc -m32 -static -O2 -o "$out/chase" bench/guest/chase.c || exit 1

# Inputs: decimal numbers one per line (text that compresses like source code does), and for
# sort the same lines reversed so that their order is far from sorted. Made once per size.
text=$out/table-text-${MB}M
sorted=$out/table-sort-${SORT_MB}M
[ -f "$text" ] || seq 1 999999999 | head -c $((MB * 1000000)) >"$text"
[ -f "$sorted" ] || seq 1 999999999 | rev | head -c $((SORT_MB * 1000000)) >"$sorted"

tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
# cpu REPS OUT COMMAND...: runs COMMAND REPS times (stdin /dev/null, stdout to OUT, stderr
# to OUT.err) and prints its CPU seconds (user+sys) per run from the children's rusage
# (microseconds, where /usr/bin/time rounds to 10 ms); "FAIL" if a run exits non-zero.
cat >"$tmp/cpu.py" <<'EOF'
import resource, subprocess, sys
reps, out, cmd = int(sys.argv[1]), sys.argv[2], sys.argv[3:]
r0 = resource.getrusage(resource.RUSAGE_CHILDREN)
for _ in range(reps):
    with open(out, "wb") as o, open(out + ".err", "wb") as e:
        if subprocess.call(cmd, stdin=subprocess.DEVNULL, stdout=o, stderr=e) != 0:
            print("FAIL")
            sys.exit(0)
r1 = resource.getrusage(resource.RUSAGE_CHILDREN)
print("%.6f" % ((r1.ru_utime - r0.ru_utime + r1.ru_stime - r0.ru_stime) / reps))
EOF
cpu() { /usr/bin/python3 "$tmp/cpu.py" "$@"; }

median() { # values... -> their median ("FAIL" if any is)
	case " $* " in *" FAIL "*) echo FAIL; return ;; esac
	printf '%s\n' "$@" | sort -g | awk '{ v[NR] = $1 } END {
		m = NR % 2 ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2
		printf m < 0.01 ? "%.4f" : "%.3f", m }'
}
ratio() { # a b fmt -> a/b, or empty when either is missing
	case "$1 $2" in *FAIL* | " "* | *" ") return ;; esac
	awk -v a="$1" -v b="$2" -v f="$3" 'BEGIN { if (b > 0) printf f, a / b }'
}

# measure REPS VMLAB_OPTS RUNNERS COMMAND...: sets n q v f g (median CPU seconds) for the
# runners named in RUNNERS (a subset of "native qemu vmlab notlb bigtlb"), checking each
# output against the native one ($tmp/ref, made first).
measure() {
	local reps=$1 vopts=$2 runners=$3
	shift 3
	local -a rn=() rq=() rv=() rf=() rg=()
	local k who t
	if ! "$@" </dev/null >"$tmp/ref" 2>/dev/null; then
		echo "bench/table.sh: native $* failed" >&2
	fi
	for ((k = 0; k < N; k++)); do
		for who in $runners; do
			case $who in
			native) t=$(cpu "$reps" "$tmp/out" "$@") ;;
			qemu) t=$(cpu "$reps" "$tmp/out" "$QEMU" "$@") ;;
			vmlab) t=$(cpu "$reps" "$tmp/out" "$VMLAB" run ${vopts:+"$vopts"} -- "$@") ;;
			notlb) t=$(cpu "$reps" "$tmp/out" "$VMLAB" run --no-tlb ${vopts:+"$vopts"} -- "$@") ;;
			bigtlb) t=$(cpu "$reps" "$tmp/out" "$VMLAB" run --tlb=1024x4 ${vopts:+"$vopts"} -- "$@") ;;
			esac
			if [ "$t" = FAIL ]; then
				echo "bench/table.sh: $who: $* failed: $(head -c 300 "$tmp/out.err")" >&2
			elif ! cmp -s "$tmp/out" "$tmp/ref"; then
				echo "bench/table.sh: $who: $* printed something else than natively" >&2
				t=FAIL
			fi
			case $who in
			native) rn+=("$t") ;; qemu) rq+=("$t") ;; vmlab) rv+=("$t") ;; notlb) rf+=("$t") ;;
			bigtlb) rg+=("$t") ;;
			esac
		done
	done
	n=$([ ${#rn[@]} -gt 0 ] && median "${rn[@]}")
	q=$([ ${#rq[@]} -gt 0 ] && median "${rq[@]}")
	v=$(median "${rv[@]}")
	f=$(median "${rf[@]}")
	g=$([ ${#rg[@]} -gt 0 ] && median "${rg[@]}")
}

row() { # label: prints the row from n q v f (g)
	local vq fv
	if [ -n "$BREAKDOWN" ]; then
		local share='' misses bookkeeping rest
		case "$v $g $f" in
		*FAIL* | " "* | *" " | *"  "*) ;;
		*) read -r misses bookkeeping rest < <(awk -v v="$v" -v g="$g" -v f="$f" '
			function pc(x) { x = sprintf("%.0f", 100 * x / v); return (x == "-0" ? "0" : x) "%" }
			BEGIN { print pc(v - g), pc(g - f), pc(f) }')
		   share="$misses | $bookkeeping | $rest" ;;
		esac
		[ -n "$share" ] || share=" | | "
		printf '| %s | %s | %s | %s | %s | %s | %s |\n' "$1" "$q" "$v" "$g" "$f" "$share" \
			"$(ratio "$f" "$q" "%.2fx")"
		return
	fi
	vq=$(ratio "$v" "$q" "%.2fx")
	fv=$(ratio "$f" "$v" "%.2f")
	printf '| %s | %s | %s | %s | %s | %s | %s |\n' "$1" "$n" "$q" "$v" "$f" "$vq" "$fv"
}

all="native qemu vmlab notlb"
[ -z "$BREAKDOWN" ] || all="qemu vmlab bigtlb notlb"
cpuinfo() { grep -m1 "^$1" /proc/cpuinfo | sed 's/.*: //'; }
echo "bench/table.sh, $(date -u '+%Y-%m-%d %H:%M UTC'): $(cpuinfo 'model name') (family $(cpuinfo 'cpu family'), model $(cpuinfo model)),"
echo "$(nproc) CPUs, load average $(cut -d' ' -f1-3 /proc/loadavg) at the start; vmlab $(git describe --always --dirty 2>/dev/null),"
echo "$("$QEMU" --version | head -1), busybox-static:i386 $(cat build/busybox/VERSION 2>/dev/null)."
echo "CPU seconds (user+sys), median of $N runs; busybox rows on $MB MB of text."
echo
if [ -n "$BREAKDOWN" ]; then
	echo "| workload | qemu-i386 | vmlab | vmlab --tlb=1024x4 | vmlab --no-tlb | misses | bookkeeping | the rest | --no-tlb / qemu |"
	echo "|---|---|---|---|---|---|---|---|---|"
else
	echo "| workload | native | qemu-i386 | vmlab | vmlab --no-tlb | vmlab / qemu | vmlab --no-tlb / vmlab |"
	echo "|---|---|---|---|---|---|---|"
fi
chase_v='' chase_f='' chase_q=''
for r in $ROWS; do
	n='' q=''
	case $r in
	startup)
		measure "$STARTUP_REPS" "" "$all" "$out/true"
		row "startup (a static \`true\`)" ;;
	md5sum | sha256sum)
		measure 1 "" "$all" "$BB" "$r" "$text"
		row "$r" ;;
	gzip | bzip2)
		measure 1 "" "$all" "$BB" "$r" -c "$text"
		row "$r -c" ;;
	sort)
		measure 1 "" "$all" "$BB" sort "$sorted"
		row "sort, $SORT_MB MB" ;;
	bench_cpu)
		measure 1 "" "$all" build/guest/bench_cpu-O2 "$CPU_SCALE"
		row "mixed integer C program, -O2 (bench_cpu $CPU_SCALE)" ;;
	chase)
		measure 1 "" "$all" "$out/chase" "$CHASE_MB" "$CHASE_STEPS"
		chase_q=$q chase_v=$v chase_f=$f
		row "pointer chase over $CHASE_MB MB (TLB misses)" ;;
	chase_pae)
		measure 1 --paging=pae "vmlab notlb" "$out/chase" "$CHASE_MB" "$CHASE_STEPS"
		pae_v=$v pae_f=$f
		q=$chase_q
		row "the same, vmlab --paging=pae" ;;
	sse2)
		measure 1 "" "$all" build/guest/bench_fpu-sse2 "$FPU_SCALE"
		row "SSE2 n-body + series, -O2 -msse2 -mfpmath=sse (bench_fpu $FPU_SCALE)" ;;
	*) echo "bench/table.sh: no row $r" >&2 ;;
	esac
done
if [ -n "$chase_v" ] && [ -n "$pae_v" ]; then
	echo
	echo "--paging=pae chase / 2-level chase: $(ratio "$pae_v" "$chase_v" "%.2f") (vmlab)," \
		"$(ratio "$pae_f" "$chase_f" "%.2f") (vmlab --no-tlb)."
fi
