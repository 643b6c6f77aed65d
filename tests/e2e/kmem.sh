#!/bin/bash
# vmlab kmem end to end: the README example byte for byte, the README demo excerpt line by
# line, the lecture's contrasts checked from the output itself (kmalloc = __va(phys) and
# physically contiguous; vmalloc scattered with an unmapped guard page; HighMem reachable
# only through kmap), every /proc file in both paging modes, and bad input.
cd "$(dirname "$0")/../.."
VMLAB=${VMLAB:-build/rel/vmlab}
n=0
ok() { n=$((n + 1)); echo "ok $n - $1"; }
nok() { n=$((n + 1)); echo "not ok $n - $1"; }
check() { if eval "$2"; then ok "$1"; else nok "$1"; fi; }
if [ ! -x "$VMLAB" ]; then
	echo "not ok 1 - vmlab binary $VMLAB exists (build it first)"
	exit 0
fi
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

# README: the block after <!-- kmem-example -->: a command, then its exact output
awk '/<!-- kmem-example -->/{f=1; next} f && /^```/{b++; next} f && b==1{print} f && b==3{print > "/dev/stderr"} f && b==4{exit}' \
	README.md >"$tmp/cmd" 2>"$tmp/want"
cmd=$(sed -n 's/^\$ vmlab //p' "$tmp/cmd")
"$VMLAB" $cmd >"$tmp/got" 2>&1
check "README example 'vmlab $cmd' prints exactly what the README shows" \
	"[ -n \"$cmd\" ] && diff -u '$tmp/want' '$tmp/got' >'$tmp/diff'"
[ -s "$tmp/diff" ] && sed 's/^/# /' "$tmp/diff" | head -20

"$VMLAB" kmem --mem=1024M >"$tmp/demo" 2>&1
check "vmlab kmem --mem=1024M exits 0" "[ $? -eq 0 ]"
awk '/<!-- kmem-demo-excerpt -->/{f=1; next} f && /^```/{b++; next} f && b==1{print} f && b==2{exit}' README.md |
	grep -v '^\.\.\.$' | grep -v '^$' >"$tmp/excerpt"
missing=$(grep -vxFf "$tmp/demo" "$tmp/excerpt" | head -3)
check "every line of the README demo excerpt is printed" "[ -s '$tmp/excerpt' ] && [ -z \"\$missing\" ]"
[ -n "$missing" ] && echo "$missing" | sed 's/^/# missing: /'

# kmalloc: va = pa + PAGE_OFFSET, and the 3 pages of the large kmalloc are consecutive frames
line=$(grep -m1 '__pa = ' "$tmp/demo")
va=$(echo "$line" | sed -n 's/.*-> \(0x[0-9a-f]*\) .*/\1/p')
pa=$(echo "$line" | sed -n 's/.*__pa = \(0x[0-9a-f]*\).*/\1/p')
check "kmalloc address is __va of its physical address ($va = $pa + 0xc0000000)" \
	"[ -n '$va' ] && [ \$(( $va - $pa )) -eq \$((0xc0000000)) ]"
consecutive() { # prints how many neighbours differ by one frame
	local prev="" c=0
	for p in "$@"; do [ -n "$prev" ] && [ $((p - prev)) -eq 1 ] && c=$((c + 1)); prev=$p; done
	echo $c
}
pfns=$(sed -n '/^kmalloc(12288/,/^$/p' "$tmp/demo" | sed -n 's/.*pfn \(0x[0-9a-f]*\).*/\1/p' | tr '\n' ' ')
set -- $pfns
c=$(consecutive $pfns)
check "large kmalloc: physically contiguous frames ($pfns)" "[ $# -eq 3 ] && [ $c -eq 2 ]"
vblock=$(sed -n '/^vmalloc(4 pages)/,/^$/p' "$tmp/demo")
vpfns=$(echo "$vblock" | sed -n 's/.*pfn \(0x[0-9a-f]*\).*/\1/p' | tr '\n' ' ')
set -- $vpfns
c=$(consecutive $vpfns)
check "vmalloc: 4 frames, physically scattered ($vpfns)" "[ $# -eq 4 ] && [ $c -lt 3 ]"
check "vmalloc: frames in HighMem, guard page not mapped" \
	"[ \$(echo \"\$vblock\" | grep -c 'zone HighMem') -eq 4 ] && echo \"\$vblock\" | grep -q ': not mapped'"
check "a HighMem page has no kernel address until kmap; kmap gives a pkmap address" \
	"grep -q 'page_address() = 0x00000000' '$tmp/demo' && sed -n '/^kmap(page)/,+2p' '$tmp/demo' | grep -q 'va 0xfec0'"
check "a vmalloc mapping made after pgd_alloc is seen through the process directory" \
	"grep -q 'through the process directory: pa ' '$tmp/demo'"

# every /proc file, both paging modes, and the formats' first lines
for paging in 2level pae; do
	out=$("$VMLAB" kmem --mem=3G --paging=$paging --proc=meminfo,zoneinfo,buddyinfo,slabinfo,vmallocinfo 2>&1)
	check "$paging: /proc files printed" "[ $? -eq 0 ]"
	check "$paging: meminfo fields" \
		"echo \"\$out\" | grep -Eq '^MemTotal: +[0-9]+ kB$' && echo \"\$out\" | grep -Eq '^HighTotal: +2[0-9]{6} kB$' && echo \"\$out\" | grep -Eq '^VmallocUsed: +[1-9][0-9]* kB$'"
	check "$paging: slabinfo header and a kmalloc line" \
		"echo \"\$out\" | grep -q '^slabinfo - version: 2.1$' && echo \"\$out\" | grep -Eq '^kmalloc-8 +[0-9]+ +[0-9]+ +8  512    1 : tunables'"
	check "$paging: vmallocinfo lists the vmalloc and ioremap areas" \
		"echo \"\$out\" | grep -Eq '^0x[0-9a-f]{8}-0x[0-9a-f]{8} +20480 vmalloc pages=4 vmalloc$' && echo \"\$out\" | grep -q ' ioremap$'"
done

# bad input: clear errors, no crash
for bad in "--mem=abc" "--mem=16M" "--vmsplit=4G" "--paging=3level" "--vmalloc=0" "--proc=nonsense --no-demo" "extra"; do
	"$VMLAB" kmem $bad >"$tmp/out" 2>"$tmp/err"
	rc=$?
	check "bad input '$bad' is refused with a message (status $rc)" \
		"[ $rc -ne 0 ] && [ $rc -lt 128 ] && grep -q 'vmlab kmem' '$tmp/err'"
done
