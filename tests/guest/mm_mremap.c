/*
 * mremap: shrink in place, grow in place when the space after is free, fail
 * without MREMAP_MAYMOVE when it is not, move with it (the contents follow),
 * MREMAP_FIXED to a chosen address (replacing what was there), and checks.
 * Authoritative golden: both.
 */
#include "guestutil.h"

int main(void)
{
	guest_init();
	catch_faults();
	char *area = mmap(NULL, 64 * PG, PROT_NONE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	munmap(area, 64 * PG); /* a known free region to work in */
	char *p = mmap(area, 4 * PG, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED, -1, 0);
	for (int i = 0; i < 4; i++)
		p[i * PG] = 'A' + i;
	char *q = mremap(p, 4 * PG, 2 * PG, 0);
	printf("shrink: %s, same address: %s\n", mapfailname(q), q == p ? "yes" : "no");
	print_fault("access to the dropped part", try_read(p + 3 * PG), p);
	q = mremap(p, 2 * PG, 6 * PG, 0);
	printf("grow in place: %s, same address: %s\n", mapfailname(q), q == p ? "yes" : "no");
	printf("grown pages are zero: %s, old data kept: %s\n", p[3 * PG] == 0 ? "yes" : "no", p[PG] == 'B' ? "yes" : "no");
	char *blk = mmap(p + 8 * PG, PG, PROT_READ, MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED, -1, 0);
	(void)blk;
	q = mremap(p, 6 * PG, 10 * PG, 0);
	printf("grow into a mapping without MAYMOVE: %s\n", mapfailname(q));
	q = mremap(p, 6 * PG, 10 * PG, MREMAP_MAYMOVE);
	printf("grow with MAYMOVE: %s, moved: %s\n", mapfailname(q), q != p ? "yes" : "no");
	printf("contents moved: %s\n", q[0] == 'A' && q[PG] == 'B' && q[9 * PG] == 0 ? "yes" : "no");
	print_fault("old address now unmapped", try_read(p), p);
	char *dst = area + 32 * PG;
	char *r = mremap(q, 10 * PG, 3 * PG, MREMAP_MAYMOVE | MREMAP_FIXED, dst);
	printf("MREMAP_FIXED: %s, at the address asked: %s, data %c%c\n", mapfailname(r), r == dst ? "yes" : "no", r[0], r[PG]);
	print_maps_rel("after the moves", area, 64 * PG);
	r = mremap(dst, 3 * PG, 3 * PG, MREMAP_FIXED, area + 40 * PG);
	printf("MREMAP_FIXED without MAYMOVE: %s\n", mapfailname(r));
	r = mremap(dst, 3 * PG, 3 * PG, MREMAP_MAYMOVE | MREMAP_FIXED, dst + PG);
	printf("MREMAP_FIXED overlapping itself: %s\n", mapfailname(r));
	r = mremap(dst + 1, PG, PG, 0);
	printf("unaligned old address: %s\n", mapfailname(r));
	r = mremap(dst, 3 * PG, 0, 0);
	printf("new size 0: %s\n", mapfailname(r));
	r = mremap(area + 50 * PG, PG, 2 * PG, MREMAP_MAYMOVE);
	printf("old range not mapped: %s\n", mapfailname(r));
	r = mremap(dst, 3 * PG, 2 * PG, 0x10);
	printf("unknown flag: %s\n", mapfailname(r));
	r = mremap(dst + PG, PG, 4 * PG, MREMAP_MAYMOVE);
	printf("grow the middle page of a VMA: %s, moved: %s\n", mapfailname(r), r != dst + PG ? "yes" : "no");
	print_maps_rel("after moving the middle", area, 64 * PG);
	return 0;
}
