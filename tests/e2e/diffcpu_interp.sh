#!/bin/bash
# The differential tester on the interpreter alone (--no-jit): diffcpu.sh checks the default
# path, where blocks run compiled; this keeps every handler checked against the host CPU
# too (the compiled code falls back to them).
cd "$(dirname "$0")/../.."
build=${VMLAB_BUILD:-rel}
tool=build/$build/tests/tools/diffcpu
native=build/native/diffcpu_native
if [ ! -x "$tool" ] || [ ! -x "$native" ]; then
	echo "1..1"
	echo "ok 1 - diffcpu --no-jit # SKIP $tool or $native not built"
	exit 0
fi
if [ "$build" = san ]; then
	exec "$tool" --native "$native" --no-jit --seed 2 --scale 2
fi
exec "$tool" --native "$native" --no-jit --seed 2 --scale 8
