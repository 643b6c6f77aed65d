/*
 * MAP_GROWSDOWN: an access just below such a mapping extends it downwards
 * (like the stack); an access below an ordinary mapping does not.
 * Authoritative golden: i386 (the stack-guard rules are checked against the
 * neighbouring mapping, whose place depends on the layout).
 */
#include "guestutil.h"

int main(void)
{
	guest_init();
	catch_faults();
	char *base = (char *)0x40000000;
	char *g = mmap(base, 4 * PG, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_GROWSDOWN | MAP_FIXED_NOREPLACE, -1, 0);
	printf("growsdown mapping: %s\n", mapfailname(g));
	print_maps_rel("before", base - 16 * PG, 20 * PG);
	print_fault("write one page below", try_write(base - PG, 1), base);
	print_fault("write eight pages below", try_write(base - 8 * PG, 1), base);
	print_maps_rel("after", base - 16 * PG, 20 * PG);
	char *n = mmap(base + 0x1000000, 4 * PG, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED_NOREPLACE, -1, 0);
	print_fault("write below an ordinary mapping", try_write(n - PG, 1), n);
	/* A neighbour closer than stack_guard_gap (256 pages) stops the growth. */
	char *h = mmap(base + 0x2000000, 4 * PG, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_GROWSDOWN | MAP_FIXED_NOREPLACE, -1, 0);
	char *blk = mmap(h - 600 * PG, PG, PROT_READ, MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED_NOREPLACE, -1, 0);
	printf("second growsdown mapping %s, neighbour 600 pages below %s\n", mapfailname(h), mapfailname(blk));
	print_fault("grow to 399 pages above the neighbour", try_write(h - 200 * PG, 1), h);
	print_fault("grow to 199 pages above the neighbour", try_write(h - 400 * PG, 1), h);
	print_fault("grow to 256 pages above the neighbour", try_write(h - 343 * PG, 1), h);
	print_fault("grow to 255 pages above the neighbour", try_write(h - 344 * PG, 1), h);
	print_maps_rel("second", h - 600 * PG, 604 * PG);
	return 0;
}
