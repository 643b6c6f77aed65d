#!/bin/bash
# Real Debian i386 programs (docs/dynamic.md): scripts/debian-root.sh makes build/debroot
# from libc6 coreutils grep sed gawk bash findutils gzip xz-utils bzip2 diffutils perl-base
# python3-minimal libpython3.11-stdlib sqlite3 (:i386, cached in build/debroot-cache); each command
# then runs under `vmlab run --root=build/debroot` and natively through the root's own ld.so
# (`ld-linux.so.2 --library-path ... PROGRAM`: the same binaries and libraries, no chroot),
# under 2-level and PAE paging, and stdout plus exit status must be byte-identical.
# SKIP (one line saying why) only when the packages cannot be had.
cd "$(dirname "$0")/../.."
ROOT=$PWD
VMLAB=${VMLAB:-$ROOT/build/rel/vmlab}
D=$ROOT/build/debroot
n=0
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
pagings="2level pae"
[ "$VMLAB_BUILD" = san ] && pagings=2level # the sanitizer build: half the runs
PKGS="libc6 coreutils grep sed gawk bash findutils gzip xz-utils bzip2 diffutils perl-base
python3-minimal libpython3.11-stdlib sqlite3"
if ! scripts/debian-root.sh $PKGS >"$tmp/log" 2>&1 || [ ! -x "$D/usr/bin/sort" ]; then
	echo "ok 1 - Debian i386 programs # SKIP the packages cannot be downloaded: $(grep -m1 'cannot\|not found\|no candidate' "$tmp/log")"
	echo "1..1"
	exit 0
fi
LIBS=$D/lib/i386-linux-gnu:$D/usr/lib/i386-linux-gnu
# Input files, under the root's /tmp (the guest sees /tmp/..., the native run $D/tmp/...).
mkdir -p "$D/tmp/vmlab-e2e"
seq 1 200 | awk '{ print ($1 * 7919) % 1000 - 300 }' >"$D/tmp/vmlab-e2e/nums"
cat >"$D/tmp/vmlab-e2e/text" <<'TXT'
root:x:0:0:root:/root:/bin/bash
daemon:x:1:1:daemon:/usr/sbin:/usr/sbin/nologin
alice:x:1000:1000:Alice Liddell,,,:/home/alice:/bin/zsh
bob:x:1001:1001:Bob:/home/bob:/bin/bash
The quick brown fox jumps over the lazy dog 42 times.
colour color colours; 3.14159 2.71828 1.41421
TXT

cat >"$D/tmp/vmlab-e2e/script.sh" <<'SH'
# functions, arrays, arithmetic, pipelines and command substitution (fork + exec in vmlab)
count() { local -a words=($1); echo "${#words[@]}"; }
declare -A colour=([sky]=blue [grass]=green)
for k in $(printf '%s\n' "${!colour[@]}" | sort); do echo "$k=${colour[$k]}"; done
n=$(count "a b c d"); echo "words: $n, squares: $(for i in 1 2 3 4; do echo $((i * i)); done | paste -sd+ | tr -d '\n')"
seq 1 50 | grep 7 | sort -rn | head -3 | tr '\n' ' '; echo
x=${HOSTNAME:-none}; s="Hello, World"; echo "${s,,} ${s^^} ${#s} ${s/World/vmlab}"
(exit 3); echo "subshell status $?"
case "$s" in H*) echo matched ;; esac
SH
cat >"$D/tmp/vmlab-e2e/prog.pl" <<'PL'
use strict; use warnings;
my %h = (apple => 3, pear => 5, fig => 1);
print join(",", map { "$_=$h{$_}" } sort { $h{$a} <=> $h{$b} } keys %h), "\n";
my $t = "The year 1999 and 2024"; my @y = $t =~ /(\d{4})/g; print "@y ", scalar(@y), "\n";
printf("%.6f %s %d\n", atan2(1, 1) * 4, lc("ABC") x 2, 2**20);
my @s = sort { $a <=> $b } map { ($_ * 7919) % 101 } 1 .. 10; print "@s\n";
PL
cat >"$D/tmp/vmlab-e2e/prog.py" <<'PY'
import json, re, hashlib, collections
d = {"b": [1, 2, {"c": None}], "a": "x\u00e9"}
print(json.dumps(d, sort_keys=True), json.loads('{"k": [true, 1.5]}'))
print(re.findall(r"(\w+)@(\w+)\.org", "ann@gnu.org, bob@kernel.org"))
print(hashlib.sha1(b"vmlab").hexdigest(), hashlib.md5(b"").hexdigest())
print(collections.Counter("mississippi").most_common(3), sum(i * i for i in range(10000)))
PY
cat >"$D/tmp/vmlab-e2e/db.sql" <<'SQL'
create table emp(id integer primary key, name text, dept text, salary real);
insert into emp(name, dept, salary) values ('ann','eng',120),('bob','eng',100),('cy','ops',90),('di','ops',95);
create index by_dept on emp(dept);
select dept, count(*), avg(salary), group_concat(name, '+') from emp group by dept order by dept;
select name from emp where salary > (select avg(salary) from emp) order by name;
with recursive n(i) as (select 1 union all select i + 1 from n where i < 10) select sum(i * i) from n;
SQL
seq 1 20000 >"$D/tmp/vmlab-e2e/seq.txt"
sed 's/5/five/' "$D/tmp/vmlab-e2e/seq.txt" >"$D/tmp/vmlab-e2e/seq2.txt"
xz -6 -c "$D/tmp/vmlab-e2e/seq.txt" >"$D/tmp/vmlab-e2e/seq.xz"

# name|program|args (word-split; no spaces inside an argument but in the awk/sed scripts
# given as separate files)|stdin file
cat >"$D/tmp/vmlab-e2e/prog.awk" <<'AWK'
BEGIN { FS = ":" }
NF >= 7 { shells[$7]++; uid[$1] = $3 + 0; total += $3 }
/[0-9]+\.[0-9]+/ { for (i = 1; i <= split($0, w, " "); i++) if (w[i] ~ /^[0-9.]+$/) s += w[i] }
END {
	n = asorti(shells, k)
	for (i = 1; i <= n; i++) printf "%-20s %d\n", k[i], shells[k[i]]
	printf "uid sum %d, numbers %.5f, %s\n", total, s, toupper(substr("vmlab", 2, 3))
	x = "a-b-c"; gsub(/-/, "+", x); print x, length(x), sprintf("%05.1f|%x|%c", 3.14159, 255, 65)
	srand(1); print int(rand() * 1000) >= 0
}
AWK
cat >"$D/tmp/vmlab-e2e/prog.sed" <<'SED'
s/^([a-z]+):x:([0-9]+):.*:([^:]*)$/\1 uid=\2 shell=\3/
s/colou?r(s?)/COLOR\1/g
/quick/{ s/([a-z]+) ([a-z]+)/\2 \1/; y/abc/XYZ/ }
SED
cat >"$tmp/cmds" <<'CMDS'
sort -n|/usr/bin/sort|-n|nums
sort -rn -u|/usr/bin/sort|-r -n -u|nums
sort -t: -k3,3n|/usr/bin/sort|-t: -k3,3n|text
grep -E|/bin/grep|-E -n (o+[a-z]|[0-9]{2,}|^b.b)|text
grep -c -v|/bin/grep|-c -v -E ^[a-z]+:|text
grep -o -i|/bin/grep|-o -i -E \b[A-Z][a-z]+\b|text
sed -E script|/bin/sed|-E -f /tmp/vmlab-e2e/prog.sed|text
sed -n ranges|/bin/sed|-n 2,4p;$=|text
awk script|/usr/bin/gawk|-f /tmp/vmlab-e2e/prog.awk|text
awk numeric|/usr/bin/gawk|{s+=$1;if($1>m)m=$1}END{printf("%d %d %.3f\n",s,m,s/NR)}|nums
wc|/usr/bin/wc||text
tr|/usr/bin/tr|a-z A-Z|text
cut|/usr/bin/cut|-d: -f1,6|text
uniq -c of sorted|/usr/bin/uniq|-c|nums
md5sum|/usr/bin/md5sum||nums
sha256sum|/usr/bin/sha256sum||text
base64|/usr/bin/base64||text
od|/usr/bin/od|-A d -t x1z -N 64|text
seq|/usr/bin/seq|-w 1 7 100|
factor|/usr/bin/factor|1234567890 600851475143 97|
expr|/usr/bin/expr|12345 * 6789 % 1000|
date|/usr/bin/date|-u -d @1000000000 +%F_%T_%j_%A|
printf|/usr/bin/printf|%s=%05d_%x_%.3e\n a 42 255 1234.5|
bash script|/bin/bash|script.sh|
find -exec|/usr/bin/find|. -name *.p? -exec wc -c {} ;|
gzip -9|/bin/gzip|-9 -n -c seq.txt|
xz -9|/usr/bin/xz|-9 -c seq.txt|
bzip2 -9|/bin/bzip2|-9 -c seq.txt|
xz -d|/usr/bin/xz|-d -c|seq.xz
diff -u|/usr/bin/diff|-u seq.txt seq2.txt|
cmp|/usr/bin/cmp|seq.txt seq2.txt|
perl script|/usr/bin/perl|prog.pl|
python3 json/re/hashlib|/usr/bin/python3|prog.py|
sqlite3|/usr/bin/sqlite3|:memory:|db.sql
CMDS
while IFS='|' read -r name prog args input; do
	[ -z "$name" ] && continue
	set -f
	read -r -a av <<<"$args"
	set +f
	in=/dev/null
	[ -n "$input" ] && in=$D/tmp/vmlab-e2e/$input
	# native: the root's ld.so loads the same binary and libraries; both run in the root's
	# /tmp/vmlab-e2e (the guest's working directory is the same directory); absolute paths
	# in the arguments name the guest's /tmp, which natively is the root's
	nav=()
	for x in "${av[@]}"; do nav+=("${x//\/tmp\/vmlab-e2e/$D/tmp/vmlab-e2e}"); done
	rc=0
	(cd "$D/tmp/vmlab-e2e" && env -i PATH=/usr/bin:/bin LC_ALL=C "$D/lib/ld-linux.so.2" --library-path "$LIBS" \
		"$D$prog" "${nav[@]}" <"$in") >"$tmp/native" 2>/dev/null || rc=$?
	echo "exit=$rc" >>"$tmp/native"
	for paging in $pagings; do
		rc=0
		(cd "$D/tmp/vmlab-e2e" && env -i PATH=/usr/bin:/bin LC_ALL=C "$VMLAB" run --env-host --paging=$paging --root="$D" \
			-- "$prog" "${av[@]}" <"$in") >"$tmp/vm" 2>"$tmp/err" || rc=$?
		echo "exit=$rc" >>"$tmp/vm"
		n=$((n + 1))
		if [ -s "$tmp/native" ] && cmp -s "$tmp/native" "$tmp/vm"; then
			echo "ok $n - $name ($prog) --paging=$paging: same output as native"
		else
			echo "not ok $n - $name ($prog) --paging=$paging: same output as native"
			diff "$tmp/native" "$tmp/vm" | head -6 | sed 's/^/# /'
			grep -v '^$' "$tmp/err" | head -3 | sed 's/^/# stderr: /'
		fi
	done
done <"$tmp/cmds"
echo "1..$n"
