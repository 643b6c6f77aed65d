#!/bin/bash
# Builds a root directory of Debian i386 packages for `vmlab run --root=DIR` (docs/dynamic.md):
# the named packages and what they depend on (Depends/Pre-Depends, recursively, but not
# the packaging tools dpkg, tar, install-info, debconf) are fetched with `apt-get download` into build/debroot-cache
# (kept between runs) and unpacked with `dpkg -x` into the root (default build/debroot).
# Nothing is installed on the host and no maintainer script runs.
#
#   scripts/debian-root.sh [--root=DIR] [PACKAGE ...]
#
# PACKAGE names without an architecture get :i386. Default: libc6 coreutils grep sed gawk.
# apt must know the i386 architecture: when `dpkg --print-foreign-architectures` lacks it,
# the script adds it and runs apt-get update (that needs root). Exit status 0 when every
# package is in the root, 1 on a download or unpack failure, 2 on a usage error.
set -euo pipefail
ROOT=$(cd "$(dirname "$0")/.." && pwd)
cache=$ROOT/build/debroot-cache
dest=$ROOT/build/debroot
pkgs=()
for a in "$@"; do
	case $a in
	--root=*) dest=${a#--root=} ;;
	-h | --help) sed -n '2,13p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
	-*) echo "debian-root.sh: unknown option $a" >&2; exit 2 ;;
	*) pkgs+=("$a") ;;
	esac
done
[ ${#pkgs[@]} -gt 0 ] || pkgs=(libc6 coreutils grep sed gawk)
for i in "${!pkgs[@]}"; do
	[[ ${pkgs[$i]} == *:* ]] || pkgs[$i]=${pkgs[$i]}:i386
done
# Already made from the same request: nothing to ask apt (its lists are slow to read).
# (keyed by the request and by this script, so a changed script redoes the work)
manifest=$dest/.debroot/manifest-$( (printf '%s\n' "${pkgs[@]}" | sort; cat "$0") | md5sum | cut -c1-12)
if [ -s "$manifest" ]; then
	done_all=1
	while read -r deb; do
		[ -e "$dest/.debroot/$deb.unpacked" ] || done_all=0
	done <"$manifest"
	if [ $done_all = 1 ]; then
		echo "debian-root.sh: $dest is up to date ($(wc -l <"$manifest") packages)" >&2
		exit 0
	fi
fi
for tool in apt-get apt-cache dpkg dpkg-deb; do
	command -v $tool >/dev/null || { echo "debian-root.sh: $tool not found (a Debian host is needed)" >&2; exit 1; }
done

if ! dpkg --print-foreign-architectures | grep -qx i386 &&
	[ "$(dpkg --print-architecture)" != i386 ]; then
	echo "debian-root.sh: adding the i386 architecture to dpkg and updating apt's lists" >&2
	dpkg --add-architecture i386
	apt-get update -qq || echo "debian-root.sh: apt-get update reported errors; trying with the lists it got" >&2
elif ! apt-cache show libc6:i386 >/dev/null 2>&1; then
	echo "debian-root.sh: apt has no i386 package lists: running apt-get update" >&2
	apt-get update -qq || echo "debian-root.sh: apt-get update reported errors; trying with the lists it got" >&2
fi

# The dependency closure, from apt's local lists (no network).
mapfile -t closure < <(apt-cache depends --recurse --no-recommends --no-suggests --no-conflicts \
	--no-breaks --no-replaces --no-enhances "${pkgs[@]}" 2>/dev/null | grep -v '^ ' |
	grep ':i386$' | sort -u)
# Everything a program may need at run time, but not the packaging tools some packages
# declare (their own dependencies come along all the same, and are small).
want=("${pkgs[@]}")
for p in "${closure[@]}"; do
	case ${p%:i386} in dpkg | tar | install-info | debconf) ;; *) want+=("$p") ;; esac
done
mapfile -t want < <(printf '%s\n' "${want[@]}" | sort -u)

mkdir -p "$cache" "$dest/.debroot"
declare -A cand
while read -r p v; do cand[$p]=$v; done < <(apt-cache policy "${want[@]}" 2>/dev/null |
	awk '/^[^ ].*:$/ { p = substr($0, 1, length($0) - 1) } /^  Candidate:/ { print p, $2 }')
status=0
debs=() todo=() missing=()
for p in "${want[@]}"; do
	name=${p%%:*} arch=${p#*:}
	ver=${cand[$p]:-}
	if [ -z "$ver" ] || [ "$ver" = "(none)" ]; then
		echo "debian-root.sh: no candidate version of $p" >&2
		status=1
		continue
	fi
	# the file name apt gives a .deb: an epoch's colon becomes %3a
	deb=$cache/${name}_${ver//:/%3a}_$arch.deb
	debs+=("$(basename "$deb")")
	todo+=("$p=$ver|$deb")
	[ -s "$deb" ] || missing+=("$p=$ver")
done
# One apt-get for every missing package: each call reads apt's lists again, about 2 s of CPU
# (53 calls took 2.5 minutes of the test suite). When it fails, one call per package says
# which one cannot be had.
if [ ${#missing[@]} -gt 0 ] && ! (cd "$cache" && apt-get download -qq "${missing[@]}" >/dev/null 2>"$cache/.err"); then
	for t in "${todo[@]}"; do
		m=${t%|*}
		[ -s "${t#*|}" ] && continue # (the batch call got it)
		(cd "$cache" && apt-get download -qq "$m" >/dev/null 2>"$cache/.err") ||
			echo "debian-root.sh: cannot download ${m%%=*} ${m#*=}: $(tail -1 "$cache/.err")" >&2
	done
fi
for t in "${todo[@]}"; do
	deb=${t#*|}
	if [ ! -s "$deb" ]; then
		echo "debian-root.sh: $(basename "$deb") is not in $cache after the download" >&2
		status=1
		continue
	fi
	stamp=$dest/.debroot/$(basename "$deb").unpacked
	if [ ! -e "$stamp" ]; then
		dpkg -x "$deb" "$dest" || { echo "debian-root.sh: cannot unpack $deb" >&2; status=1; continue; }
		mkdir -p "$dest/.debroot"
		touch "$stamp"
	fi
done
# What a program expects to find in any root: writable scratch space is the caller's (--rw).
mkdir -p "$dest/tmp" "$dest/dev" "$dest/etc"
# The device nodes vmlab models (perl opens /dev/null at start); making them needs root.
for d in null:1:3 zero:1:5 full:1:7 random:1:8 urandom:1:9 tty:5:0; do
	IFS=: read -r node ma mi <<<"$d"
	[ -e "$dest/dev/$node" ] && continue
	mknod -m 666 "$dest/dev/$node" c "$ma" "$mi" 2>/dev/null ||
		echo "debian-root.sh: cannot make $dest/dev/$node (mknod needs root); programs that open it fail" >&2
done
[ -e "$dest/etc/passwd" ] || printf 'root:x:0:0:root:/root:/bin/sh\n' >"$dest/etc/passwd"
[ -e "$dest/etc/group" ] || printf 'root:x:0:\n' >"$dest/etc/group"
[ $status = 0 ] && printf '%s\n' "${debs[@]}" >"$manifest"
echo "debian-root.sh: $dest holds ${#want[@]} packages (cache: $cache)" >&2
exit $status
