#!/bin/bash
# The AMD model against what an AMD EPYC (Zen 3/4) did, on a host of either vendor
# (tests/golden/amd/README.md): no native helper needed. The recorded case numbers are those
# of the generator as the release build (gcc -O2) compiles it: the generator leaves the order
# of some random draws to the compiler, so the sanitizer and clang builds make other cases.
# The sanitizer pass skips it.
cd "$(dirname "$0")/../.."
tool=build/rel/tests/tools/diffcpu
if [ ! -x "$tool" ]; then
	echo "1..1"
	echo "not ok 1 - $tool is built (make all)"
	exit 1
fi
if [ "${VMLAB_BUILD:-rel}" != rel ]; then
	echo "1..1"
	echo "ok 1 - diffcpu --replay # SKIP runs in the release pass (the recorded case numbers are the gcc -O2 generator's)"
	exit 0
fi
tmp=$(mktemp)
trap 'rm -f "$tmp"' EXIT
xz -dc tests/golden/amd/diffcpu-seed1-scale20.txt.xz >"$tmp" || exit 1
"$tool" --seed 1 --scale 20 --replay "$tmp"
