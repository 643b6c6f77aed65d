#!/bin/sh
# Fetches the real i386 Linux oracle: Debian's 6.1 kernels for i386 (686 and
# 686-pae) and busybox-static:i386, unpacked under build/oracle/ (never committed).
# From each kernel package the virtio modules a swap disk needs are kept too, in
# build/oracle/FLAVOUR/modules/ with a file "order" listing them in load order
# (boot.sh --disk puts them in the initramfs: the kernels build virtio_blk as a module).
# Usage: scripts/linux-oracle/fetch.sh
# Prints nothing on success except what apt says; idempotent.
set -e
cd "$(dirname "$0")/../.."
OUT=build/oracle
SUDO=""
[ "$(id -u)" -ne 0 ] && SUDO=sudo

need=""
for p in qemu-system-x86 cpio; do
	dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || need="$need $p"
done
if [ -n "$need" ]; then
	$SUDO apt-get update -qq || echo "fetch.sh: apt-get update reported errors; trying with the lists it got" >&2
	DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends $need >/dev/null
fi

if ! dpkg --print-foreign-architectures | grep -qx i386; then
	$SUDO dpkg --add-architecture i386
	$SUDO apt-get update -qq || echo "fetch.sh: apt-get update reported errors; trying with the lists it got" >&2
fi
# The kernel ABI number (6.1.0-NN) moves with Debian point releases: ask apt.
find_pkg() { # flavour suffix, e.g. 686-unsigned
	apt-cache search --names-only "^linux-image-6\.1\.0-[0-9]+-$1\$" 2>/dev/null |
		awk '{print $1}' | sort -V | tail -1
}
k686=$(find_pkg 686-unsigned)
kpae=$(find_pkg 686-pae-unsigned)
if [ -z "$k686" ] || [ -z "$kpae" ]; then
	$SUDO apt-get update -qq || echo "fetch.sh: apt-get update reported errors; trying with the lists it got" >&2
	k686=$(find_pkg 686-unsigned)
	kpae=$(find_pkg 686-pae-unsigned)
fi
[ -n "$k686" ] && [ -n "$kpae" ] || { echo "fetch.sh: no linux-image-6.1.0-*-686 package found" >&2; exit 1; }

mkdir -p "$OUT/debs"
# virtio_blk and what it needs, dependencies first (modinfo -F depends of each)
VIRTIO_MODS="virtio virtio_ring virtio_pci_legacy_dev virtio_pci_modern_dev virtio_pci virtio_blk"
fetch() { # package, destination dir, files to keep (globs), [1: keep the virtio modules]
	[ -e "$2/.done-v2-$1" ] && return 0
	(cd "$OUT/debs" && apt-get download -q -o APT::Sandbox::User=root "$1:i386" >/dev/null)
	deb=$(ls -t "$OUT"/debs/"$1"_*_i386.deb | head -1)
	rm -rf "$2" "$2.x"
	mkdir -p "$2"
	dpkg -x "$deb" "$2.x"
	# Keep only what is used: the package trees hold directories named *.d,
	# which the Makefile's dependency-file include under build/ would trip on.
	for f in $3; do
		mkdir -p "$2/$(dirname "$f")"
		cp -a "$2.x/"$f "$2/$(dirname "$f")/"
	done
	if [ "${4:-0}" = 1 ]; then
		mkdir -p "$2/modules"
		: >"$2/modules/order"
		for m in $VIRTIO_MODS; do
			ko=$(find "$2.x/lib/modules" -name "$m.ko" | head -1)
			[ -n "$ko" ] || { echo "fetch.sh: $1 has no $m.ko" >&2; exit 1; }
			cp "$ko" "$2/modules/"
			echo "$m.ko" >>"$2/modules/order"
		done
	fi
	rm -rf "$2.x"
	dpkg-deb -f "$deb" Package Version >"$2/PACKAGE"
	touch "$2/.done-v2-$1"
}
fetch "$k686" "$OUT/686" 'boot/vmlinuz-* boot/config-*' 1
fetch "$kpae" "$OUT/686-pae" 'boot/vmlinuz-* boot/config-*' 1
fetch busybox-static "$OUT/busybox" bin/busybox
for f in 686 686-pae; do
	k=$(ls "$OUT/$f"/boot/vmlinuz-* | head -1)
	ln -sf "$(basename "$k")" "$OUT/$f/boot/vmlinuz"
done
ls -l "$OUT"/686/boot/vmlinuz "$OUT"/686-pae/boot/vmlinuz "$OUT"/busybox/bin/busybox >&2
