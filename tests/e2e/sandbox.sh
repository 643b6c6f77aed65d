#!/usr/bin/env bash
# The sandbox against hostile guests (docs/sandbox.md). A scratch tree:
#   $S/outside/            secret, victim, stdin.txt, stderr.txt: outside the root
#   $S/root/               --root: bin/attack, etc/ro.txt, etc/rodir/, proc/fake (hidden by
#                          the guest's procfs), escape -> ../../outside, abs_escape -> $S/outside,
#                          dev/{fd,stdin,stdout} -> /proc/self/..., with root: dev/{null,zero,
#                          urandom,mem} (char), dev/loop (block), dev/fifo, dev/sock
#   $S/root/rw/            --rw: own.txt, fifo
# tests/guest/sandbox_attack.c tries every trick it knows; its output must match
# tests/e2e/expected/sandbox_attack.*.out, and from the host: nothing outside --rw changed
# (type, mode, owner, size, mtime, ctime, sha256 of every object), nothing outside the root
# reached the guest (no "SECRET" in its output). Then a host process races symlinks and
# renames against a guest, and the regression tests of the fs bugs (issue 9 part 3) run,
# compared with native -m32 runs where Linux is the oracle.
set -u
ROOT=$(cd "$(dirname "$0")/../.." && pwd)
VMLAB=${VMLAB:-$ROOT/build/rel/vmlab}
case $VMLAB in /*) ;; *) VMLAB=$PWD/$VMLAB ;; esac
G=$ROOT/build/guest
EXP=${SANDBOX_EXP:-$ROOT/tests/e2e/expected}
if [ ! -x "$VMLAB" ] || [ ! -x "$G/sandbox_attack-O2" ]; then
	echo "1..0 # SKIP vmlab or the guest programs are not built (make all guests)"
	exit 0
fi
S=$(mktemp -d /tmp/vmlab-sandbox.XXXXXX)
R=$S/root
[ -n "${SANDBOX_KEEP:-}" ] && echo "# scratch tree kept: $S" ||
	trap 'umount "$R/hostproc" 2>/dev/null; rm -rf --one-file-system "$S"' EXIT
n=0
ok() { n=$((n + 1)); echo "ok $n - $1"; }
notok() { n=$((n + 1)); echo "not ok $n - $1"; }
check() { if [ "$1" = 0 ]; then ok "$2"; else notok "$2"; fi; }

mkdir -p "$R/bin" "$R/etc/rodir" "$R/rw" "$R/dev" "$R/proc" "$S/outside" "$S/log"
echo readonly >"$R/etc/ro.txt"
echo x >"$R/etc/rodir/f"
echo own >"$R/rw/own.txt"
echo fake >"$R/proc/fake"
echo SECRET-outside >"$S/outside/secret"
echo SECRET-victim >"$S/outside/victim"
echo inherited-stdin >"$S/outside/stdin.txt"
: >"$S/outside/stderr.txt"
chmod 640 "$S/outside/stderr.txt"
ln -s ../../outside "$R/escape"
ln -s "$S/outside" "$R/abs_escape"
ln -s /proc/self/fd "$R/dev/fd"
ln -s /proc/self/fd/0 "$R/dev/stdin"
ln -s /proc/self/fd/1 "$R/dev/stdout"
mkfifo "$R/rw/fifo"
cp "$G/sandbox_attack-O2" "$R/bin/attack"
devices=no
if mknod "$R/dev/null" c 1 3 2>/dev/null && mknod "$R/dev/zero" c 1 5 &&
	mknod "$R/dev/urandom" c 1 9 && mknod "$R/dev/mem" c 1 1 && mknod "$R/dev/loop" b 7 0 &&
	mkfifo "$R/dev/fifo" && command -v python3 >/dev/null &&
	python3 -c "import socket,sys; socket.socket(socket.AF_UNIX).bind(sys.argv[1])" "$R/dev/sock"; then
	devices=yes
fi

# Everything outside --rw, as the host sees it (atime aside: reading is allowed). The guest
# writes its stderr, outside/stderr.txt, through the inherited descriptor: only that file's
# type, mode and owner are compared (log/ is this script's).
manifest() {
	(cd "$S" && find . \( -path ./root/rw -o -path ./log \) -prune -o -path ./outside/stderr.txt \
		-printf '%p %y %m %U %G\n' -o -printf '%p %y %m %U %G %s %T@ %C@\n' | sort
	 find . \( -path ./root/rw -o -path ./log -o -path ./outside/stderr.txt \) -prune -o \
		-type f -print0 | sort -z | xargs -0 sha256sum)
}

run_attack() { # label expected-file stdin-file args...
	local label=$1 exp=$2 in=$3
	shift 3
	local before after out=$S/log/${1:-main}.out
	before=$(manifest)
	(cd "$R/rw" && timeout -s KILL 60 "$VMLAB" run --root "$R" --rw "$R/rw" -- /bin/attack "$@" \
		<"$in" 2>>"$S/outside/stderr.txt" | cat >"$out")
	after=$(manifest)
	if diff -u "$exp" "$out" >"$S/diff.txt"; then
		ok "$label: every attack gives the expected result"
	else
		notok "$label: every attack gives the expected result"
		head -20 "$S/diff.txt" | sed 's/^/#   /'
	fi
	if [ "$before" = "$after" ]; then
		ok "$label: nothing outside --rw changed"
	else
		notok "$label: nothing outside --rw changed"
		diff <(echo "$before") <(echo "$after") | head -10 | sed 's/^/#   /'
	fi
	if grep -q SECRET "$out"; then
		notok "$label: nothing outside --root was read"
		grep SECRET "$out" | head -5 | sed 's/^/#   /'
	else
		ok "$label: nothing outside --root was read"
	fi
}

run_attack "main" "$EXP/sandbox_attack.main.out" "$S/outside/stdin.txt"
if [ $devices = yes ]; then
	run_attack "devices" "$EXP/sandbox_attack.devices.out" "$S/outside/stdin.txt" devices
	run_attack "stdin a device node" "$EXP/sandbox_attack.stdin-dev.out" "$R/dev/null" stdin-dev
else
	for i in 1 2 3 4 5 6; do ok "device nodes # SKIP mknod needs root"; done
fi

# Sockets: live host listeners, one on a node inside the root and one on an abstract name,
# must never see a connection from the guest (vmlab keeps every socket name to itself);
# socket nodes are made only below --rw.
if command -v python3 >/dev/null; then
	python3 - "$R/host.sock" "$S/log/host-accepted" <<'PY' &
import select, socket, sys
ls = []
for addr in (sys.argv[1], "\0vmlab-sandbox-host"):
	for kind in (socket.SOCK_STREAM,):
		s = socket.socket(socket.AF_UNIX, kind)
		s.bind(addr)
		s.listen(4)
		ls.append(s)
r, _, _ = select.select(ls, [], [], 40)
if r:
	open(sys.argv[2], "w").write("a guest connection reached the host\n")
PY
	listener=$!
	for _ in 1 2 3 4 5 6 7 8 9 10; do [ -S "$R/host.sock" ] && break; sleep 0.2; done
	run_attack "sockets" "$EXP/sandbox_attack.sockets.out" "$S/outside/stdin.txt" sockets
	kill $listener 2>/dev/null
	wait $listener 2>/dev/null
	if [ -e "$S/log/host-accepted" ]; then notok "sockets: no connection reached a host listener"
	else ok "sockets: no connection reached a host listener"; fi
	rm -f "$R/host.sock"
else
	for i in 1 2 3 4; do ok "sockets # SKIP python3 is needed for the host listeners"; done
fi

# O_NONBLOCK and O_APPEND set on inherited descriptors stay the guest's: the host open file
# descriptions are the shell's too (a terminal left non-blocking breaks the shell).
mkfifo "$S/log/in.fifo"
exec 7<>"$S/log/in.fifo" # a writer that never writes: reads find it empty
echo "first line" >"$S/log/setfl.out"
(p=$BASHPID
 cd "$R/rw" && timeout -s KILL 60 "$VMLAB" run --root "$R" --rw "$R/rw" -- /bin/attack setfl
 for fd in 0 1; do echo "$fd $(awk '/^flags/ {print $2}' /proc/$p/fdinfo/$fd)" >&2; done
) <"$S/log/in.fifo" 1<>"$S/log/setfl.out" 2>"$S/log/setfl.flags"
exec 7>&-
if diff -u "$EXP/sandbox_attack.setfl.out" "$S/log/setfl.out" >"$S/diff.txt"; then
	ok "F_SETFL on inherited descriptors: the guest sees its flags, O_APPEND and O_NONBLOCK work"
else
	notok "F_SETFL on inherited descriptors: the guest sees its flags, O_APPEND and O_NONBLOCK work"
	head -20 "$S/diff.txt" | sed 's/^/#   /'
fi
bad=0
while read -r fd flags; do
	[ -n "$flags" ] && [ $((0$flags & 06000)) = 0 ] || bad=1
done < <(grep -E '^[01] ' "$S/log/setfl.flags")
[ "$(grep -cE '^[01] ' "$S/log/setfl.flags")" = 2 ] || bad=1
check $bad "F_SETFL on inherited descriptors: the shell's descriptions keep their flags ($(grep -E '^[01] ' "$S/log/setfl.flags" | tr '\n' ' '))"

# The host's procfs is never reached: not through an inherited descriptor of a /proc
# directory or file, not through a bind mount of it inside the root.
hostproc() { # label expected path [stdin]
	local got
	got=$(cd "$R/rw" && timeout -s KILL 60 "$VMLAB" run --root "$R" --rw "$R/rw" -- \
		/bin/attack read "$3" <"${4:-/dev/null}" 2>/dev/null)
	[ "$got" = "$3: $2" ]
	check $? "$1 ($got)"
}
hostproc "a /proc directory as stdin is not walked" EACCES /proc/self/fd/0/self/environ /proc
hostproc "a /proc file as stdin is not reopened" EACCES /proc/self/fd/0 /proc/self/status
mkdir "$R/hostproc"
if mount --bind /proc "$R/hostproc" 2>/dev/null; then
	hostproc "a bind mount of /proc is not entered" EACCES /hostproc/self/environ
	umount "$R/hostproc"
else
	ok "a bind mount of /proc is not entered # SKIP mount needs root"
fi
rmdir "$R/hostproc"

# A host process replaces /rw/flip while the guest opens through it.
mkdir -p "$R/rw/realdir"
echo inside >"$R/rw/realdir/secret"
echo inside >"$R/rw/realdir/victim"
cp "$G/sandbox_race-O2" "$R/bin/race"
before=$(manifest)
: >"$S/log/racing"
if command -v python3 >/dev/null; then
	python3 - "$R/rw" "$S" <<'PY' &
import os, sys
rw, s = sys.argv[1], sys.argv[2]
targets = ["realdir", s + "/outside", "../../outside", "realdir/../../../outside"]
i = 0
while os.path.exists(s + "/log/racing"):
    os.symlink(targets[i % len(targets)], rw + "/flip.new")
    os.replace(rw + "/flip.new", rw + "/flip")
    i += 1
PY
else
	(targets=(realdir "$S/outside" ../../outside); i=0
	 while [ -e "$S/log/racing" ]; do
		ln -sfn "${targets[$((i % 3))]}" "$R/rw/flip.new" && mv -Tf "$R/rw/flip.new" "$R/rw/flip"
		i=$((i + 1))
	 done) &
fi
swapper=$!
race=$(cd "$R/rw" && timeout -s KILL 120 "$VMLAB" run --root "$R" --rw "$R/rw" -- /bin/race 20000 2>"$S/log/race.err")
rm -f "$S/log/racing"
wait $swapper
after=$(manifest)
[ "$race" = "leaks: 0" ]
check $? "symlink race: the guest never read outside the root ($race; $(cat "$S/log/race.err"))"
[ "$before" = "$after" ]
check $? "symlink race: nothing outside --rw changed"

# Regressions of the fs bugs (issue 9 part 3), Linux (a native run) as the oracle.
native() { # name args...: runs build/guest/NAME-O2 natively and under vmlab, compares
	local name=$1
	shift
	"$G/$name-O2" "$@" >"$S/log/$name.native" 2>&1
	timeout -s KILL 60 "$VMLAB" run -- "$G/$name-O2" "$@" >"$S/log/$name.vmlab" 2>&1
	if cmp -s "$S/log/$name.native" "$S/log/$name.vmlab"; then
		ok "$name: as a native run"
	else
		notok "$name: as a native run"
		diff "$S/log/$name.native" "$S/log/$name.vmlab" | head -8 | sed 's/^/#   /'
	fi
}
mkdir -p "$S/dir300" "$S/n" "$S/v"
for i in $(seq 1 300); do : >"$S/dir300/entry-$i"; done
native fs_readdir32 "$S/dir300"
grep -q "^entries: 302$" "$S/log/fs_readdir32.vmlab"
check $? "fs_readdir32: a 32-bit readdir lists all 302 entries ($(stat -f -c %T "$S"))"
"$G/fs_regress-O2" "$S/n" >"$S/log/fs_regress.native" 2>&1
timeout -s KILL 60 "$VMLAB" run -- "$G/fs_regress-O2" "$S/v" >"$S/log/fs_regress.vmlab" 2>&1
cmp -s "$S/log/fs_regress.native" "$S/log/fs_regress.vmlab"
check $? "fs_regress: renamed directories under descriptors and cwd, /proc/self/exe, as a native run"
grep -q "^/proc/self/exe: the executable$" "$S/log/fs_regress.vmlab"
check $? "fs_regress: /proc/self/exe links to the executable"

# No host call waits forever: an empty FIFO read by the only process holding its writer
# ends the run (137) with a message; a FIFO given as the program is an error (126).
mkfifo "$S/fifo"
start=$SECONDS
timeout -s KILL 30 "$VMLAB" run --max-insns=100000000 -- "$G/fs_fifo-O2" "$S/fifo" \
	>"$S/log/fifo.out" 2>"$S/log/fifo.err"
rc=$?
[ $rc = 137 ] && grep -Eq "would wait forever|nothing can wake" "$S/log/fifo.err" && [ $((SECONDS - start)) -lt 20 ]
check $? "a read of an empty FIFO opened O_RDWR ends the run (status $rc)"
timeout -s KILL 30 "$VMLAB" run -- "$S/fifo" >/dev/null 2>"$S/log/fifo-prog.err"
rc=$?
[ $rc = 126 ] && grep -q "not a regular file" "$S/log/fifo-prog.err"
check $? "a FIFO as the program is an error, not a hang (status $rc)"

# Path system calls keep their names off the host stack: vmlab works with a 32 KB stack
# limit (it needed more than 48 KB, then crashed in a path call).
if [ "${VMLAB_BUILD:-rel}" = san ]; then ok "small host stack # SKIP the sanitizer needs its own stack"; else
# env -i: the environment's strings share that stack, so the caller's (a CI runner's can be
# large) must not decide the outcome
(ulimit -s 32 && exec env -i PATH=/usr/bin:/bin timeout -s KILL 60 "$VMLAB" run -- "$G/fs_regress-O2" "$S/v" >/dev/null 2>"$S/log/stack.err")
rc=$?
check $rc "vmlab runs path system calls with ulimit -s 32 (status $rc)"
fi

echo "1..$n"
