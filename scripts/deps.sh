#!/bin/sh
# Installs the Debian packages vmlab needs to build and test, only those missing.
# Usage: scripts/deps.sh [extra-package ...]
# REQUIRED must install; OPTIONAL ones let more checks run (the tests that need them say
# SKIP without them): python3-jsonschema validates --stats=json against its schema, strace
# is the reference of --strace, perl and python3 drive parts of the fuzz and sandbox tests,
# gdb drives the gdb stub's test (tests/e2e/gdbstub.sh).
# chromium (headless) renders the --report page in tests/e2e/report.sh; libcapstone-dev
# disassembles the report's faulting instructions.
set -e
REQUIRED="gcc-multilib libcmocka-dev clang xz-utils libcapstone-dev $*"
OPTIONAL="python3 python3-jsonschema perl strace gdb chromium jq"
missing() {
	for p in "$@"; do
		dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || echo "$p"
	done
}
need=$(missing $REQUIRED)
want=$(missing $OPTIONAL)
[ -z "$need$want" ] && exit 0
SUDO=""
[ "$(id -u)" -ne 0 ] && SUDO=sudo
echo "vmlab: installing Debian packages:" $need $want >&2
# A mirror caught mid-sync fails an index or two: go on with the lists apt has.
$SUDO apt-get update -qq || echo "vmlab: apt-get update reported errors; trying with the lists it has" >&2
if [ -n "$need" ]; then
	DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends $need >/dev/null
fi
if [ -n "$want" ]; then
	DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends $want >/dev/null ||
		echo "vmlab: could not install" $want "(optional: some checks will be skipped)" >&2
fi
exit 0
