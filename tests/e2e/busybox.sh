#!/usr/bin/env bash
# Debian's busybox-static:i386 under vmlab: every case of tests/busybox/cases.txt must give
# the byte-identical stdout and exit status recorded from real Linux (expected/NAME.out).
# TAP. VMLAB_BUILD=san runs a small subset (the sanitiser build is slow). The release build
# runs every case twice: with 2-level paging (the default) and with --paging=pae.
set -u
ROOT=$(cd "$(dirname "$0")/../.." && pwd)
VMLAB=${VMLAB:-$ROOT/build/rel/vmlab}
case $VMLAB in /*) ;; *) VMLAB=$PWD/$VMLAB ;; esac
if [ ! -x "$VMLAB" ]; then
	echo "1..0 # SKIP no vmlab binary at $VMLAB"
	exit 0
fi
if ! "$VMLAB" run --help >/dev/null 2>&1; then
	echo "1..0 # SKIP this vmlab has no working run command yet"
	exit 0
fi
BUSYBOX=$("$ROOT/scripts/get-busybox.sh" 2>/dev/null) || BUSYBOX=
if [ -z "$BUSYBOX" ] || [ ! -x "$BUSYBOX" ]; then
	echo "1..0 # SKIP busybox-static:i386 is not available (scripts/get-busybox.sh failed)"
	exit 0
fi
cd "$ROOT/tests/busybox" || exit 1
SUBSET="cat wc sort uniq_c head tail grep sed_subst awk_sum tr_upper cut_fields od md5sum
sha256sum gzip_roundtrip tar_list find ls expr seq printf dd cmp_differ diff uname_sm
zcat sh_pipeline sh_bg_wait sh_script timeout_fast"
names=()
while IFS=$'\t' read -r name stdin cmd; do
	case $name in '' | '#'*) continue ;; esac
	if [ "${VMLAB_BUILD:-rel}" = san ] && ! [[ " $(echo $SUBSET) " == *" $name "* ]]; then
		continue
	fi
	names+=("$name")
done <cases.txt
NSANDBOX=5
pagings="2level pae"
[ "${VMLAB_BUILD:-rel}" = san ] && pagings="2level"
npagings=$(echo $pagings | wc -w)
echo "1..$((${#names[@]} * npagings + NSANDBOX))"
n=0
out=$(mktemp -d)
trap 'rm -rf "$out"' EXIT
for paging in $pagings; do
label=""
[ "$paging" = 2level ] || label=" --paging=$paging"
while IFS=$'\t' read -r name stdin cmd; do
	case $name in '' | '#'*) continue ;; esac
	[[ " ${names[*]} " == *" $name "* ]] || continue
	n=$((n + 1))
	in=/dev/null
	[ "$stdin" = - ] || in=$stdin
	tmp=$(mktemp -d)
	# The scratch directory is writable for the guest; everything else is read-only. The
	# applets get the environment sh gives them (--env-host), as in the native recording.
	env -i PATH=/usr/bin:/bin BB="$VMLAB run --paging=$paging --env-host --rw $tmp -- $BUSYBOX" TMP="$tmp" \
		timeout 120 sh -c "$cmd" <"$in" >"$out/$name.out" 2>"$out/$name.err"
	echo "exit=$?" >>"$out/$name.out"
	rm -rf "$tmp"
	if cmp -s "expected/$name.out" "$out/$name.out"; then
		echo "ok $n - busybox $name$label"
	else
		echo "not ok $n - busybox $name$label"
		diff "expected/$name.out" "$out/$name.out" | head -8 | sed 's/^/#   /'
		head -3 "$out/$name.err" | sed 's/^/#   stderr: /'
	fi
done <cases.txt
done

# The sandbox, seen by a real program: busybox inside a --root directory.
sb=$(mktemp -d)
mkdir -p "$sb/root/bin" "$sb/root/rw" "$sb/outside"
cp "$BUSYBOX" "$sb/root/bin/busybox"
echo inside >"$sb/root/in.txt"
echo secret >"$sb/outside/secret"
ln -s ../outside "$sb/root/esc"
ln -s /in.txt "$sb/root/rw/abs"
sandbox() { # name expected-output command...
	local name=$1 want=$2
	shift 2
	n=$((n + 1))
	local got
	got=$(cd "$sb" && timeout 60 "$VMLAB" run --root "$sb/root" --rw "$sb/root/rw" -- /bin/busybox "$@" 2>&1 </dev/null; echo "exit=$?")
	if [ "$got" = "$want" ]; then
		echo "ok $n - sandbox $name"
	else
		echo "not ok $n - sandbox $name"
		printf '%s\n' "$got" | head -4 | sed 's/^/#   got: /'
	fi
}
sandbox "dot-dot stops at the root" "$(printf 'inside\nexit=0')" cat /../../in.txt
sandbox "a symlink cannot climb out" "$(printf 'cat: can'"'"'t open '"'"'/esc/secret'"'"': No such file or directory\nexit=1')" cat /esc/secret
sandbox "absolute symlinks resolve inside" "$(printf 'inside\nexit=0')" cat /rw/abs
sandbox "writes outside --rw are refused" "$(printf 'vmlab: creating a file in / refused: not below a writable directory (--rw DIR); the program sees EROFS (reported once)\ntouch: /new: Read-only file system\nexit=1')" touch /new
sandbox "writes below --rw work" "$(printf 'exit=0')" touch /rw/new
rm -rf "$sb"
