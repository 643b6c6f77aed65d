/*
 * Address hints: a free hint is used as given (rounded down to a page), an
 * occupied one is ignored and the kernel searches top-down instead; the
 * search places consecutive mappings below each other.
 * Authoritative golden: i386 (the hint near 0xc0000000 is in the stack gap
 * only there); both otherwise.
 */
#include "guestutil.h"

int main(void)
{
	guest_init();
	char *hint = (char *)0x30000000;
	char *p = mmap(hint, 2 * PG, PROT_READ, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	printf("free hint used: %s\n", p == hint ? "yes" : "no");
	char *q = mmap(hint, PG, PROT_READ, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	printf("occupied hint: %s, got the hint: %s\n", mapfailname(q), q == hint ? "yes" : "no");
	char *r = mmap(hint + 2 * PG + 123, PG, PROT_READ, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	printf("unaligned free hint: rounded down: %s\n", r == hint + 2 * PG ? "yes" : "no");
	print_maps_rel("around the hint (merged)", hint, 3 * PG);
	munmap(p, 3 * PG);
	munmap(q, PG);
	char *a = mmap(NULL, PG, PROT_READ, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	char *b = mmap(NULL, PG, PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	char *c = mmap(NULL, 4 * PG, PROT_READ, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	printf("second mapping right below the first: %s\n", b == a - PG ? "yes" : "no");
	printf("third mapping right below the second: %s\n", c == b - 4 * PG ? "yes" : "no");
	munmap(b, PG);
	char *d = mmap(NULL, PG, PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	printf("a freed one-page hole is reused: %s\n", d == b ? "yes" : "no");
	char *e = mmap(NULL, 2 * PG, PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	printf("a larger request goes below: %s\n", e == c - 2 * PG ? "yes" : "no");
	char *hi = mmap((void *)0xbff00000UL, PG, PROT_READ, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	printf("hint 0xbff00000 (inside the i386 stack gap) used: %s\n", hi == (char *)0xbff00000UL ? "yes" : "no");
	char *lo = mmap((void *)0x1000, PG, PROT_READ, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	printf("hint below mmap_min_addr honoured: %s\n", lo == (char *)0x1000 ? "yes" : "no");
	return 0;
}
