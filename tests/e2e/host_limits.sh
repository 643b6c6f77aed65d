#!/bin/bash
# vmlab under a host RLIMIT_FSIZE that the guest raised its own (modelled) limit past: the
# host's refusal reaches the guest as EFBIG, as a file system's size limit would, and vmlab
# is not killed by the host's SIGXFSZ (found by the system-call fuzzer).
cd "$(dirname "$0")/../.."
VMLAB=${VMLAB:-build/rel/vmlab}
n=0
ok() { n=$((n + 1)); echo "ok $n - $1"; }
nok() { n=$((n + 1)); echo "not ok $n - $1"; }
bin=$PWD/build/guest/io_fsize_host-O2
if [ ! -x "$VMLAB" ] || [ ! -x "$bin" ]; then
	echo "ok 1 - host_limits # SKIP $VMLAB or $bin not built"
	exit 0
fi
VMLAB=$(cd "$(dirname "$VMLAB")" && pwd)/$(basename "$VMLAB")
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
(cd "$tmp" && ulimit -f 1048576 && exec "$VMLAB" run --rw "$tmp" -- "$bin") </dev/null >"$tmp/out" 2>"$tmp/err"
rc=$?
[ "$rc" -eq 0 ] && ok "vmlab lives on (status $rc)" || { nok "vmlab lives on (status $rc)"; sed 's/^/# /' "$tmp/err" | head -3; }
cat >"$tmp/want" <<'WANT'
setrlimit(RLIMIT_FSIZE, infinity): ok
pwrite64 at 2 GB: EFBIG
ftruncate64 to 3 GB: EFBIG
write at 4 KB: ok
WANT
diff "$tmp/want" "$tmp/out" >/dev/null && ok "the guest gets EFBIG past the host's limit" ||
	{ nok "the guest gets EFBIG past the host's limit"; diff "$tmp/want" "$tmp/out" | sed 's/^/# /'; }
echo "1..$n"
