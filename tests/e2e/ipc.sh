#!/bin/bash
# SysV IPC vmlab does not model (tests/guest/ipc_nosys.c): ENOSYS, each call named once on
# stderr; shared memory itself is checked against its golden by run_guest.sh (ipc_shm).
cd "$(dirname "$0")/../.."
VMLAB=${VMLAB:-build/rel/vmlab}
n=0
ok() { n=$((n + 1)); echo "ok $n - $1"; }
nok() { n=$((n + 1)); echo "not ok $n - $1"; }
bin=build/guest/ipc_nosys-O2
if [ ! -x "$VMLAB" ] || [ ! -x "$bin" ]; then
	echo "ok 1 - ipc # SKIP $VMLAB or $bin not built"
	exit 0
fi
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
"$VMLAB" run -- "$bin" >"$tmp/out" 2>"$tmp/err" </dev/null
rc=$?
[ "$rc" -eq 0 ] && ok "exit status 0" || nok "exit status $rc"
want='ipc SEMGET: ENOSYS
ipc SEMGET again: ENOSYS
ipc MSGGET: ENOSYS
ipc 99: ENOSYS
shmget: ok
SHM_LOCK: ENOSYS
rmid: ok'
if [ "$(cat "$tmp/out")" = "$want" ]; then
	ok "results"
else
	nok "results"
	sed 's/^/# got: /' "$tmp/out"
fi
for re in 'unimplemented syscall ipc\(2\)' 'unimplemented syscall ipc\(13\)' \
	'unimplemented shmctl command 11'; do
	c=$(grep -cE "^vmlab: $re\$" "$tmp/err")
	[ "$c" -eq 1 ] && ok "named once: $re" || nok "named $c times: $re"
done
# an unknown call number is Linux's ENOSYS, not an unimplemented feature
c=$(grep -c 'ipc(99)' "$tmp/err")
[ "$c" -eq 0 ] && ok "unknown call not named" || nok "unknown call named"
echo "1..$n"
