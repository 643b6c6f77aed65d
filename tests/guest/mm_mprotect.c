/*
 * mprotect: changing the middle of a VMA splits it in three, restoring the
 * protection merges them again; a write to a read-only part is SEGV_ACCERR;
 * PROT_NONE forbids reads; argument and range checks.
 * Authoritative golden: both.
 */
#include "guestutil.h"

int main(void)
{
	guest_init();
	catch_faults();
	char *p = mmap(NULL, 8 * PG, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	memset(p, 1, 8 * PG);
	printf("mprotect pages 2-4 read-only: %s\n", mprotect(p + 2 * PG, 3 * PG, PROT_READ) ? errname(errno) : "ok");
	print_maps_rel("split", p, 8 * PG);
	print_fault("write to a read-only page", try_write(p + 3 * PG + 7, 1), p);
	print_fault("read of it", try_read(p + 3 * PG + 7), p);
	print_fault("write next to it", try_write(p + 5 * PG, 1), p);
	printf("mprotect page 6 PROT_NONE: %s\n", mprotect(p + 6 * PG, PG, PROT_NONE) ? errname(errno) : "ok");
	print_fault("read of a PROT_NONE page", try_read(p + 6 * PG), p);
	print_maps_rel("four pieces", p, 8 * PG);
	printf("restore all: %s\n", mprotect(p, 8 * PG, PROT_READ | PROT_WRITE) ? errname(errno) : "ok");
	print_maps_rel("merged", p, 8 * PG);
	printf("data kept: %s\n", p[3 * PG] == 1 && p[6 * PG] == 1 ? "yes" : "no");
	printf("unaligned address: %s\n", mprotect(p + 1, PG, PROT_READ) ? errname(errno) : "ok");
	printf("unaligned length rounds up: %s\n", mprotect(p, 1, PROT_READ) ? errname(errno) : "ok");
	print_fault("write to the rounded page", try_write(p + PG - 1, 1), p);
	print_fault("write past it", try_write(p + PG, 1), p);
	printf("length 0: %s\n", mprotect(p, 0, PROT_READ) ? errname(errno) : "ok");
	printf("bad prot bits: %s\n", mprotect(p, PG, 0x40) ? errname(errno) : "ok");
	munmap(p + 4 * PG, PG);
	printf("range over a hole: %s\n", mprotect(p, 8 * PG, PROT_READ) ? errname(errno) : "ok");
	print_maps_rel("partly changed before the hole", p, 8 * PG);
	printf("range wholly unmapped: %s\n", mprotect(p + 4 * PG, PG, PROT_READ) ? errname(errno) : "ok");
	printf("PROT_GROWSDOWN on a plain mapping: %s\n", mprotect(p, PG, PROT_READ | PROT_GROWSDOWN) ? errname(errno) : "ok");
	/* Text is r-x: writing to it is an access error. */
	print_fault("write to the program's text", try_write((char *)main, 1), (char *)main);
	return 0;
}
