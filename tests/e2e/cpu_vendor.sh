#!/bin/bash
# The CPU vendor model (docs/vendors.md): tests/guest/vendor_undefined prints CPUID's vendor
# and results the architecture leaves undefined. `vmlab run --cpu=V` must print what a V host
# printed natively (the goldens of scripts/record-vendor-golden.sh), and `--cpu` of this
# host's vendor what this host prints now; the default is intel. Both engines, both -O levels.
cd "$(dirname "$0")/../.."
VMLAB=${VMLAB:-build/rel/vmlab}
n=0
ok() { n=$((n + 1)); if [ "$1" = 0 ]; then echo "ok $n - $2"; else echo "not ok $n - $2"; fi; }
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
case "$(grep -m1 vendor_id /proc/cpuinfo)" in
*AuthenticAMD* | *HygonGenuine*) host=amd ;;
*) host=intel ;;
esac
for lvl in O0 O2; do
	prog=build/guest/vendor_undefined-$lvl
	if [ ! -x "$prog" ]; then
		ok 1 "$prog is built (make guests)"
		continue
	fi
	env -i "$prog" >"$tmp/native" 2>&1
	for jit in "" --no-jit; do
		for v in intel amd; do
			"$VMLAB" run --cpu=$v $jit -- "$prog" >"$tmp/$v" 2>&1
			golden=tests/guest/expected/vendor_undefined.$v.out
			if [ -f "$golden" ]; then
				cmp -s "$golden" "$tmp/$v"
				ok $? "--cpu=$v $jit $lvl prints what a real $v processor printed"
			fi
			if [ $v = $host ]; then
				cmp -s "$tmp/native" "$tmp/$v"
				ok $? "--cpu=$v $jit $lvl prints what this host prints"
			fi
		done
		"$VMLAB" run $jit -- "$prog" >"$tmp/default" 2>&1
		cmp -s "$tmp/intel" "$tmp/default"
		ok $? "the default is --cpu=intel ($jit $lvl)"
		! cmp -s "$tmp/intel" "$tmp/amd"
		ok $? "the two vendors differ ($jit $lvl)"
		# (amd-zen3 differs from amd in BSF/BSR's flags alone, which this program does not
		# run: test_cpu_flags' bsf_bsr_per_model checks those)
		"$VMLAB" run --cpu=amd-zen3 $jit -- "$prog" >"$tmp/zen3" 2>&1
		cmp -s "$tmp/amd" "$tmp/zen3"
		ok $? "--cpu=amd-zen3 $jit $lvl prints what --cpu=amd prints"
	done
done
echo "1..$n"
