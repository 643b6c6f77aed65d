#!/bin/bash
# The CPU differential tester: thousands of generated cases run on the host CPU
# (build/native/diffcpu_native) and in the interpreter; one TAP line per opcode group.
# VMLAB_SOAK=1 (make soak) runs a much longer randomized set over several seeds.
cd "$(dirname "$0")/../.."
build=${VMLAB_BUILD:-rel}
tool=build/$build/tests/tools/diffcpu
native=build/native/diffcpu_native
if [ ! -x "$tool" ] || [ ! -x "$native" ]; then
	echo "1..1"
	echo "ok 1 - diffcpu # SKIP $tool or $native not built"
	exit 0
fi
if [ -n "$VMLAB_SOAK" ]; then
	exec "$tool" --native "$native" --seed "${VMLAB_SEED:-7}" --scale 30
fi
if [ "$build" = san ]; then
	exec "$tool" --native "$native" --seed 1 --scale 4
fi
exec "$tool" --native "$native" --seed 1 --scale 20
