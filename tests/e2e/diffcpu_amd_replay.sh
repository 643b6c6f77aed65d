#!/bin/bash
# The AMD model against what an AMD EPYC (Zen 3/4) did, on a host of either vendor
# (tests/golden/amd/README.md): no native helper needed.
cd "$(dirname "$0")/../.."
B=$(dirname "${VMLAB:-$PWD/build/rel/vmlab}")
tmp=$(mktemp)
trap 'rm -f "$tmp"' EXIT
xz -dc tests/golden/amd/diffcpu-seed1-scale20.txt.xz >"$tmp" || exit 1
"$B/tests/tools/diffcpu" --seed 1 --scale 20 --replay "$tmp"
