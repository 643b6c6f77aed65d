#!/bin/bash
# The guest's environment and limits (docs/observe.md): a fixed default that vmlab's own
# environment and limits do not change, --env-host, --env-clear, -E, -U, --rlimit,
# --rlimit-host; and the point of it: the same counts whatever the host's environment and
# `ulimit -s`.
cd "$(dirname "$0")/../.."
ROOT=$PWD
vmlab=${VMLAB:-$ROOT/build/${VMLAB_BUILD:-rel}/vmlab}
bin=$ROOT/build/guest/obs_env-O2
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
n=0
if [ ! -x "$bin" ]; then
	echo "ok 1 - guest environment # SKIP obs_env not built (make guests)"
	echo "1..1"
	exit 0
fi
run() { (cd /tmp && "$vmlab" run "$@" </dev/null 2>&1); }
expect() { # label expected-output got-output
	n=$((n + 1))
	if [ "$2" = "$3" ]; then echo "ok $n - $1"; else
		echo "not ok $n - $1"
		diff <(echo "$2") <(echo "$3") | head -6 | sed 's/^/# /'
	fi
}
limits='stack 8388608/unlimited
nofile 1024/4096
core 0/unlimited
memlock 8388608/8388608
nproc 7998/7998
first mmap above 0x80000000'
expect "default: a fixed environment and Linux's limits" \
	"$(printf 'env PATH=/usr/local/bin:/usr/bin:/bin\nenv HOME=/\n%s' "$limits")" "$(run "$bin")"
expect "the host's environment and stack limit do not leak in" "$(run "$bin")" \
	"$(ulimit -s unlimited; ulimit -c 0; env FOO=1 LANG=C.UTF-8 bash -c "cd /tmp && '$vmlab' run '$bin' </dev/null 2>&1")"
expect "--env-host: vmlab's environment" "env FOO=bar" \
	"$(env -i FOO=bar "$vmlab" run --env-host "$bin" </dev/null 2>&1 | grep '^env')"
expect "--env-clear -E A=1 -E B=2 -U A -E B=3: B=3 only" "env B=3" \
	"$(run --env-clear -E A=1 -EB=2 -U A -E B=3 "$bin" | grep '^env')"
expect "-E replaces a default variable, -U removes one" "$(printf 'env HOME=/root\nenv PATH=/bin')" \
	"$(run -U HOME -E HOME=/root -E PATH=/bin "$bin" | grep '^env')"
expect "--rlimit stack=unlimited: bottom-up layout" "$(printf 'stack unlimited/unlimited\nfirst mmap below 0x80000000')" \
	"$(run --rlimit stack=unlimited "$bin" | grep -E '^(stack|first)')"
expect "--rlimit nofile=64:128, core=1M" "$(printf 'nofile 64/128\ncore 1048576/1048576')" \
	"$(run --rlimit nofile=64:128 --rlimit=core=1M "$bin" | grep -E '^(nofile|core)')"
hard=$(ulimit -H -s)
[ "$hard" = unlimited ] || hard=$((hard * 1024))
expect "--rlimit-host: vmlab's own limits" "stack 4194304/$hard" \
	"$( (ulimit -S -s 4096; run --rlimit-host "$bin" | grep '^stack'))"
for bad in "--rlimit stack" "--rlimit nosuch=1" "--rlimit nofile=2:1" "--rlimit stack=8X" "-E NOEQUALS" "-U A=1"; do
	n=$((n + 1))
	read -r -a args <<<"$bad"
	if out=$(run "${args[@]}" "$bin") || ! grep -q "^vmlab run: bad" <<<"$out"; then
		echo "not ok $n - '$bad' is refused"
		echo "$out" | head -2 | sed 's/^/# /'
	else echo "ok $n - '$bad' is refused"; fi
done
# same counts whatever the host gives vmlab: the statistics but for the host-side lines
prog=$ROOT/build/guest/obs_events-O2
if [ -x "$prog" ]; then
	a=$( (cd /tmp && env -i "$vmlab" run --stats "$prog" </dev/null 2>&1 >/dev/null) | grep -vE '^(command|wall time):')
	b=$( (ulimit -s unlimited; cd /tmp && env LANG=C.UTF-8 LC_ALL=C.UTF-8 X=y "$vmlab" run --stats "$prog" </dev/null 2>&1 >/dev/null) | grep -vE '^(command|wall time):')
	expect "the same statistics under env -i and under a full environment with ulimit -s unlimited" "$a" "$b"
fi
echo "1..$n"
