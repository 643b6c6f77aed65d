#!/bin/bash
# Records what tests/guest/vendor_undefined.c prints natively on this host, as the golden of
# this host's CPU vendor: tests/guest/expected/vendor_undefined.VENDOR.out (intel or amd).
# Run it on a host of each vendor; tests/e2e/cpu_vendor.sh compares `vmlab run --cpu=VENDOR`
# with every golden present, and with a native run of the host it runs on.
set -e
cd "$(dirname "$0")/.."
make -s build/guest/vendor_undefined-O0 build/guest/vendor_undefined-O2
case "$(grep -m1 vendor_id /proc/cpuinfo)" in
*AuthenticAMD* | *HygonGenuine*) vendor=amd ;;
*GenuineIntel*) vendor=intel ;;
*) echo "record-vendor-golden: unknown CPU vendor" >&2; exit 1 ;;
esac
out=tests/guest/expected/vendor_undefined.$vendor.out
env -i build/guest/vendor_undefined-O0 >"$out.O0"
env -i build/guest/vendor_undefined-O2 >"$out"
if ! cmp -s "$out" "$out.O0"; then
	echo "record-vendor-golden: -O0 and -O2 differ" >&2
	rm -f "$out.O0"
	exit 1
fi
rm -f "$out.O0"
echo "recorded $out ($(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2-), family $(grep -m1 'cpu family' /proc/cpuinfo | cut -d: -f2 | tr -d ' '))"
