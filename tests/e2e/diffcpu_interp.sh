#!/bin/bash
# The differential tester on the interpreter alone (--no-jit): diffcpu.sh checks the default
# path, where blocks run compiled; this keeps every handler checked against the host CPU
# too (compiled code falls back to them).
DIFFCPU_NO_JIT=1 exec bash "$(dirname "$0")/diffcpu.sh"
