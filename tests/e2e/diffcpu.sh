#!/bin/bash
# The CPU differential tester: thousands of generated cases run on the host CPU
# (build/native/diffcpu_native) and in vmlab's CPU (compiled blocks, the default); one TAP
# line per opcode group. DIFFCPU_NO_JIT=1 (diffcpu_interp.sh) runs the interpreter alone,
# with another seed and fewer cases. VMLAB_SOAK=1 (make soak) runs a much longer randomized
# set over several seeds.
cd "$(dirname "$0")/../.."
build=${VMLAB_BUILD:-rel}
tool=build/$build/tests/tools/diffcpu
native=build/native/diffcpu_native
mode=()
seed=1 scale=20 san_scale=4
if [ -n "$DIFFCPU_NO_JIT" ]; then
	mode=(--no-jit)
	seed=2 scale=8 san_scale=2
fi
if [ ! -x "$tool" ] || [ ! -x "$native" ]; then
	echo "1..1"
	echo "ok 1 - diffcpu ${mode[*]} # SKIP $tool or $native not built"
	exit 0
fi
if [ -n "$VMLAB_SOAK" ]; then
	exec "$tool" --native "$native" "${mode[@]}" --seed "${VMLAB_SEED:-7}" --scale 30
fi
[ "$build" = san ] && scale=$san_scale
exec "$tool" --native "$native" "${mode[@]}" --seed "$seed" --scale "$scale"
