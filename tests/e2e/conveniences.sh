#!/bin/bash
# What users expect of a command: `vmlab --version` / `vmlab version` print the version
# the statistics carry, `vmlab help` lists the commands (and `vmlab help CMD` is CMD's
# --help), and `make install` installs the man page (which groff, when present, formats
# without warnings, and whose header has the same version) and the bash completion (which
# completes commands and options).
cd "$(dirname "$0")/../.."
VMLAB=${VMLAB:-build/rel/vmlab}
n=0
ok() { n=$((n + 1)); echo "ok $n - $1"; }
nok() { n=$((n + 1)); echo "not ok $n - $1"; }
check() { if eval "$2"; then ok "$1"; else nok "$1"; fi; }
if [ ! -x "$VMLAB" ]; then
	echo "ok 1 - conveniences # SKIP $VMLAB not built"
	exit 0
fi
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
version=$(sed -n 's/^#define VMLAB_VERSION "\(.*\)"$/\1/p' src/cli/version.h)

check "--version prints 'vmlab $version'" '[ -n "$version" ] && [ "$("$VMLAB" --version)" = "vmlab $version" ]'
check "version prints the same" '[ "$("$VMLAB" version)" = "vmlab $version" ]'
"$VMLAB" help >"$tmp/help" 2>"$tmp/help.err"
rc=$?
check "help lists every command on stdout, status 0" \
	'[ $rc -eq 0 ] && [ ! -s "$tmp/help.err" ] && (for c in run translate kmem help version; do grep -qE "^  $c +[a-z]" "$tmp/help" || exit 1; done)'
"$VMLAB" help kmem >"$tmp/hk" 2>&1
"$VMLAB" kmem --help >"$tmp/hk2" 2>&1
check "help kmem is kmem --help" 'cmp -s "$tmp/hk" "$tmp/hk2" && grep -q "^usage: vmlab kmem" "$tmp/hk"'
"$VMLAB" help nosuch >/dev/null 2>"$tmp/err"
rc=$?
check "help of an unknown command: status 2 and a message" '[ $rc -eq 2 ] && grep -q "unknown command .nosuch." "$tmp/err"'

# make install into a staging directory; -o: use the vmlab already built, never rebuild
O=$(dirname "$VMLAB")
d=$tmp/dest
make -s install DESTDIR="$d" PREFIX=/usr O="$O" -o "$O/vmlab" >"$tmp/make" 2>&1
check "make install DESTDIR PREFIX=/usr: the binary runs and prints the version" \
	'[ "$("$d/usr/bin/vmlab" --version)" = "vmlab $version" ]'
man=$d/usr/share/man/man1/vmlab.1
check "make install installs the man page" '[ -f "$man" ] && cmp -s "$man" man/vmlab.1'
check "the man page's header has the version" 'grep -q "^\.TH VMLAB 1 .*\"vmlab $version\"" "$man"'
check "the man page covers run, translate, kmem and the main options" \
	'(for w in "\\.B run" "\\.B translate" "\\.B kmem" "paging=" "mem=" "trace=" "stats" "root"; do grep -q "$w" "$man" || exit 1; done)'
if command -v groff >/dev/null; then
	check "groff formats it without warnings" \
		'groff -man -Tutf8 -ww -z "$man" 2>"$tmp/groff" && [ ! -s "$tmp/groff" ] && groff -man -Tutf8 -P-cbou "$man" 2>/dev/null | grep -q "vmlab translate"'
elif command -v mandoc >/dev/null; then
	check "mandoc -Tlint accepts it" 'mandoc -Tlint -Wwarning "$man" >/dev/null'
else
	ok "man page formats # SKIP neither groff nor mandoc installed"
fi
comp=$d/usr/share/bash-completion/completions/vmlab
check "make install installs the bash completion" '[ -f "$comp" ] && cmp -s "$comp" completions/vmlab.bash'
complete_words() { # the words the completion offers for a command line ending in a word
	bash -c '. "$1"; shift; COMP_WORDS=("$@"); COMP_CWORD=$(($# - 1)); _vmlab; printf "%s\n" "${COMPREPLY[@]}"' _ "$comp" "$@"
}
check "completion: commands" '[ "$(complete_words vmlab tr)" = translate ]'
check "completion: run's options" '[ "$(complete_words vmlab run --pag)" = --paging= ]'
check "completion: an option's values" '[ "$(complete_words vmlab run --paging=p)" = pae ]'
check "completion: kmem's options" 'complete_words vmlab kmem --p | grep -qx -- --proc='
echo "1..$n"
