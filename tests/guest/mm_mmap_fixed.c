/*
 * MAP_FIXED replaces what was mapped (the old contents are gone, the VMA is
 * split around the new one); MAP_FIXED_NOREPLACE refuses with EEXIST.
 * Authoritative golden: both, except "MAP_FIXED at 0xc0000000" (i386: above
 * TASK_SIZE; the x86-64 kernel gives compat tasks 4 GB).
 */
#include "guestutil.h"

int main(void)
{
	guest_init();
	char *p = mmap(NULL, 6 * PG, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	memset(p, 'x', 6 * PG);
	char *q = mmap(p + 2 * PG, 2 * PG, PROT_READ, MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED, -1, 0);
	printf("MAP_FIXED over the middle: %s, at the address asked: %s\n", mapfailname(q), q == p + 2 * PG ? "yes" : "no");
	printf("replaced pages read zero: %s, neighbours kept: %s\n", q[0] == 0 && q[2 * PG - 1] == 0 ? "yes" : "no",
	       p[2 * PG - 1] == 'x' && p[4 * PG] == 'x' ? "yes" : "no");
	print_maps_rel("after MAP_FIXED", p, 6 * PG);
	errno = 0;
	char *r = mmap(p + 3 * PG, PG, PROT_READ, MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED_NOREPLACE, -1, 0);
	printf("MAP_FIXED_NOREPLACE over a mapping: %s\n", mapfailname(r));
	r = mmap(p + 5 * PG, 2 * PG, PROT_READ, MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED_NOREPLACE, -1, 0);
	printf("MAP_FIXED_NOREPLACE partly over a mapping: %s\n", mapfailname(r));
	munmap(p + 4 * PG, 2 * PG);
	r = mmap(p + 4 * PG, 2 * PG, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED_NOREPLACE, -1, 0);
	printf("MAP_FIXED_NOREPLACE into a hole: %s, at the address asked: %s\n", mapfailname(r),
	       r == p + 4 * PG ? "yes" : "no");
	print_maps_rel("after filling the hole", p, 6 * PG);
	r = mmap(p + 4 * PG + 12, PG, PROT_READ, MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED_NOREPLACE, -1, 0);
	printf("MAP_FIXED_NOREPLACE unaligned: %s\n", mapfailname(r));
	r = mmap((void *)0xc0000000UL, PG, PROT_READ, MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED, -1, 0);
	printf("MAP_FIXED at 0xc0000000: %s\n", mapfailname(r));
	r = mmap((void *)0xfffff000UL, 2 * PG, PROT_READ, MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED, -1, 0);
	printf("MAP_FIXED wrapping past 4 GB: %s\n", mapfailname(r));
	return 0;
}
