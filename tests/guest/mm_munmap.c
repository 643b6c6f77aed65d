/*
 * munmap: a hole in the middle splits the VMA in two, trimming either end
 * shrinks it, unmapping across several VMAs and over holes works, and the
 * argument checks.
 * Authoritative golden: both, except "munmap above 0xc0000000" (i386:
 * beyond TASK_SIZE, EINVAL; a compat task on x86-64 has 4 GB).
 */
#include "guestutil.h"

int main(void)
{
	guest_init();
	catch_faults();
	char *p = mmap(NULL, 10 * PG, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	memset(p, 'm', 10 * PG);
	printf("munmap pages 4-5: %s\n", munmap(p + 4 * PG, 2 * PG) ? errname(errno) : "ok");
	print_maps_rel("split in two", p, 10 * PG);
	print_fault("read in the hole", try_read(p + 5 * PG), p);
	printf("both halves keep their data: %s\n", p[4 * PG - 1] == 'm' && p[6 * PG] == 'm' ? "yes" : "no");
	printf("munmap first page: %s\n", munmap(p, PG) ? errname(errno) : "ok");
	printf("munmap last page (unaligned length): %s\n", munmap(p + 9 * PG, 100) ? errname(errno) : "ok");
	print_maps_rel("trimmed", p, 10 * PG);
	printf("munmap across both pieces and the hole: %s\n", munmap(p + 2 * PG, 6 * PG) ? errname(errno) : "ok");
	print_maps_rel("after", p, 10 * PG);
	printf("munmap where nothing is mapped: %s\n", munmap(p + 4 * PG, PG) ? errname(errno) : "ok");
	printf("munmap unaligned address: %s\n", munmap(p + PG + 1, PG) ? errname(errno) : "ok");
	printf("munmap length 0: %s\n", munmap(p + PG, 0) ? errname(errno) : "ok");
	printf("munmap above 0xc0000000: %s\n", munmap((void *)0xc0001000UL, PG) ? errname(errno) : "ok");
	printf("munmap wrapping: %s\n", munmap((void *)0xfffff000UL, 2 * PG) ? errname(errno) : "ok");
	munmap(p, 10 * PG);
	print_maps_rel("all gone", p, 10 * PG);
	return 0;
}
