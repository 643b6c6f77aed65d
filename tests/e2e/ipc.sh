#!/bin/bash
# SysV IPC and /dev/shm beyond the goldens run_guest.sh compares (ipc_shm, ipc_sem, ipc_msg,
# ipc_posix_shm under both paging modes):
#   - what vmlab does not model (tests/guest/ipc_nosys.c): ENOSYS, each named once on
#     stderr, and the slab growing and shrinking with semaphore sets and messages;
#   - the semaphore, message-queue and POSIX shared-memory programs on the interpreter alone
#     (--no-jit), against the same real-i386 goldens.
cd "$(dirname "$0")/../.."
VMLAB=${VMLAB:-build/rel/vmlab}
n=0
ok() { n=$((n + 1)); echo "ok $n - $1"; }
nok() { n=$((n + 1)); echo "not ok $n - $1"; }
bin=build/guest/ipc_nosys-O2
if [ ! -x "$VMLAB" ] || [ ! -x "$bin" ]; then
	echo "ok 1 - ipc # SKIP $VMLAB or $bin not built"
	echo "1..1"
	exit 0
fi
vm=$(cd "$(dirname "$VMLAB")" && pwd)/$(basename "$VMLAB")
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
"$VMLAB" run -- "$bin" >"$tmp/out" 2>"$tmp/err" </dev/null
rc=$?
[ "$rc" -eq 0 ] && ok "exit status 0" || nok "exit status $rc"
want='ipc 99: ENOSYS
shmget: ok
SHM_STAT: ENOSYS
rmid: ok
MSG_COPY: ENOSYS
MSG_COPY again: ENOSYS
slab grew by 100 or more: 1
slab shrank by 100 or more: 1'
if [ "$(cat "$tmp/out")" = "$want" ]; then
	ok "results"
else
	nok "results"
	sed 's/^/# got: /' "$tmp/out"
fi
for re in 'unimplemented shmctl command 13' 'unimplemented msgrcv flag MSG_COPY'; do
	c=$(grep -cE "^vmlab: $re\$" "$tmp/err")
	[ "$c" -eq 1 ] && ok "named once: $re" || nok "named $c times: $re"
done
# an unknown call number is Linux's ENOSYS, not an unimplemented feature
c=$(grep -c 'ipc(99)' "$tmp/err")
[ "$c" -eq 0 ] && ok "unknown call not named" || nok "unknown call named"

# the interpreter alone gives what the real kernel gives
[ "$VMLAB_BUILD" = san ] || for name in ipc_sem ipc_msg ipc_posix_shm; do
	exp=tests/guest/expected/$name.i386.out
	b=$PWD/build/guest/$name-O2
	if [ ! -f "$exp" ] || [ ! -x "$b" ]; then
		ok "$name --no-jit # SKIP $exp or $b missing"
		continue
	fi
	got=$tmp/$name.out
	rc=0
	(ulimit -s 8192; umask 022; cd /tmp && exec env -i PATH=/bin timeout -s KILL 120 \
		"$vm" run --no-jit --env-clear -E PATH=/bin -- "$b" </dev/null) >"$got" 2>/dev/null || rc=$?
	echo "exit=$rc" >>"$got"
	if cmp -s "$exp" "$got"; then
		ok "$name --no-jit"
	else
		nok "$name --no-jit"
		diff "$exp" "$got" | head -8 | sed 's/^/# /'
	fi
done
echo "1..$n"
