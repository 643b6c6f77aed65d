#!/bin/bash
# Boots Debian's real i386 kernel under qemu-system-i386 with busybox-static as
# the whole userland, runs a payload, and prints what the payload printed.
# Usage: scripts/linux-oracle/boot.sh FLAVOUR MEM_MB PAYLOAD_DIR
#   FLAVOUR      686 or 686-pae (unpacked by scripts/linux-oracle/fetch.sh)
#   MEM_MB       guest RAM in MB (qemu -m)
#   PAYLOAD_DIR  copied to /probe in the guest; /probe/run.sh is run by the
#                root shell with the cwd /tmp (a tmpfs). Its stdout and stderr
#                are the output of this script.
# Environment: ORACLE_TIMEOUT (seconds, default 300), ORACLE_ACCEL (tcg; kvm
# hung at boot on the nested-virtualisation machines of this project), ORACLE_APPEND (extra
# kernel arguments), ORACLE_KEEP=1 keeps the work directory and console log,
# ORACLE_SWAP_MB=N attaches a virtio disk of N MB (a sparse file in the work
# directory, -drive if=virtio): the initramfs loads virtio_blk and the modules it
# needs (fetch.sh keeps them from the kernel package) with busybox insmod, then
# mkswap and swapon make the whole disk, /dev/vda, the swap area before the payload
# runs (priority -2, as the first swapon without one gets). A list N[:PRIO],... attaches
# one disk per entry (/dev/vda, /dev/vdb, ...), each swapped on in order, with
# priority PRIO where given (tests/guest/swapctl.c: busybox swapon has no -p).
# nokaslr: the kernel is otherwise loaded at a random physical address, which
# moves its reservations and changes MemTotal by a few hundred kB from boot to boot.
# The machine is qemu's default i386 CPU under TCG, not KVM: the CPU the guest
# sees is then the same on every host, so /proc/cpuinfo and CPUID are reproducible.
set -euo pipefail
ROOT=$(cd "$(dirname "$0")/../.." && pwd)
[ $# -eq 3 ] || { echo "usage: $0 686|686-pae MEM_MB PAYLOAD_DIR" >&2; exit 2; }
FLAVOUR=$1 MEM=$2 PAYLOAD=$3
ORACLE=$ROOT/build/oracle
KERNEL=$ORACLE/$FLAVOUR/boot/vmlinuz
BUSYBOX=$ORACLE/busybox/bin/busybox
if [ ! -e "$KERNEL" ] || [ ! -x "$BUSYBOX" ]; then
	"$ROOT/scripts/linux-oracle/fetch.sh" >&2
fi
[ -e "$KERNEL" ] || { echo "boot.sh: no kernel for flavour '$FLAVOUR' ($KERNEL)" >&2; exit 2; }
[ -f "$PAYLOAD/run.sh" ] || { echo "boot.sh: $PAYLOAD/run.sh missing" >&2; exit 2; }
case $MEM in '' | *[!0-9]*) echo "boot.sh: MEM_MB must be a number" >&2; exit 2 ;; esac

WORK=$(mktemp -d "${TMPDIR:-/tmp}/vmlab-oracle.XXXXXX")
[ "${ORACLE_KEEP:-0}" = 1 ] || trap 'rm -rf "$WORK"' EXIT
IRD=$WORK/root
mkdir -p "$IRD"/{bin,dev,proc,sys,tmp,probe}
cp "$BUSYBOX" "$IRD/bin/busybox"
cp -a "$PAYLOAD"/. "$IRD/probe/"
DISK=()
SWAP_MB=${ORACLE_SWAP_MB:-0}
case $SWAP_MB in '' | *[!0-9:,]*) echo "boot.sh: ORACLE_SWAP_MB must be N[:PRIO],..." >&2; exit 2 ;; esac
if [ "$SWAP_MB" != 0 ]; then
	MODS=$ORACLE/$FLAVOUR/modules
	if [ ! -f "$MODS/order" ]; then
		"$ROOT/scripts/linux-oracle/fetch.sh" >&2
	fi
	[ -f "$MODS/order" ] || { echo "boot.sh: no virtio modules in $MODS (fetch.sh)" >&2; exit 2; }
	mkdir -p "$IRD/lib/virtio"
	cp "$MODS"/*.ko "$MODS/order" "$IRD/lib/virtio/"
	# busybox's swapon has no -p: tests/guest/swapctl.c calls swapon(2) with the priority
	make -s -C "$ROOT" build/guest/swapctl-O2 >&2
	cp "$ROOT/build/guest/swapctl-O2" "$IRD/bin/swapctl"
	: >"$IRD/lib/virtio/swaps"
	i=0
	for d in ${SWAP_MB//,/ }; do
		truncate -s "${d%%:*}M" "$WORK/swap$i.img"
		DISK+=(-drive "file=$WORK/swap$i.img,if=virtio,format=raw,cache=unsafe")
		dev=/dev/vd$(echo abcdefgh | cut -c$((i + 1)))
		case $d in *:*) echo "$dev ${d#*:}" ;; *) echo "$dev" ;; esac >>"$IRD/lib/virtio/swaps"
		i=$((i + 1))
	done
fi
# The markers are unlikely to occur in any payload output; printk is lowered
# to emergencies only so kernel messages cannot interleave with the payload's.
cat >"$IRD/init" <<'INIT'
#!/bin/busybox sh
/bin/busybox --install -s /bin
export PATH=/bin HOME=/tmp
mount -t proc proc /proc
mount -t sysfs sysfs /sys
mount -t devtmpfs devtmpfs /dev
mount -t tmpfs tmpfs /tmp
# /dev/shm as a Debian system has it (systemd mounts it): glibc's shm_open and sem_open
mkdir -p /dev/shm
mount -t tmpfs -o mode=1777 tmpfs /dev/shm
dmesg -n 1
if [ -f /lib/virtio/order ]; then
	for m in $(cat /lib/virtio/order); do insmod /lib/virtio/$m || echo "boot: insmod $m failed"; done
	while read -r dev prio; do
		i=0
		while [ ! -b $dev ] && [ $i -lt 100 ]; do sleep 0.1; i=$((i + 1)); done
		mkswap $dev >/dev/null && /bin/swapctl on $dev $prio || echo "boot: no swap on $dev"
	done </lib/virtio/swaps
fi
cd /tmp
echo "@@VMLAB-ORACLE-BEGIN@@"
sh /probe/run.sh </dev/null 2>&1
echo "@@VMLAB-ORACLE-END rc=$?@@"
sync
poweroff -f
INIT
chmod 755 "$IRD/init"
(cd "$IRD" && find . -print0 | LC_ALL=C sort -z | cpio --null -o -H newc --quiet -R 0:0) | gzip -1 >"$WORK/initrd.gz"

LOG=$WORK/console.log
timeout "${ORACLE_TIMEOUT:-300}" qemu-system-i386 -accel "${ORACLE_ACCEL:-tcg}" -m "$MEM" \
	-kernel "$KERNEL" -initrd "$WORK/initrd.gz" "${DISK[@]}" \
	-append "console=ttyS0 quiet norandmaps nokaslr panic=1 ${ORACLE_APPEND:-}" \
	-nographic -no-reboot -monitor none -serial stdio -display none \
	</dev/null >"$LOG" 2>"$WORK/qemu.err" || {
	rc=$?
	echo "boot.sh: qemu failed or timed out (status $rc); last console lines:" >&2
	tail -20 "$LOG" | tr -d '\r' >&2
	cat "$WORK/qemu.err" >&2
	exit 1
}
tr -d '\r' <"$LOG" >"$WORK/console.txt"
grep -q '^@@VMLAB-ORACLE-END' "$WORK/console.txt" || {
	echo "boot.sh: payload did not finish; last console lines:" >&2
	tail -20 "$WORK/console.txt" >&2
	exit 1
}
sed -n '/^@@VMLAB-ORACLE-BEGIN@@$/,/^@@VMLAB-ORACLE-END/p' "$WORK/console.txt" | sed '1d;$d'
[ "${ORACLE_KEEP:-0}" = 1 ] && echo "boot.sh: kept $WORK" >&2
exit 0
