/*
 * MAP_SHARED|MAP_ANONYMOUS is shmem: mremap with old_size 0 makes a second
 * view of the same pages at another address, so a write through one is seen
 * through the other. A private anonymous mapping cannot be duplicated so.
 * Authoritative golden: both.
 */
#include "guestutil.h"

int main(void)
{
	guest_init();
	char *a = mmap(NULL, 2 * PG, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	printf("shared anon: %s\n", mapfailname(a));
	a[10] = 'A';
	char *b = mremap(a, 0, 2 * PG, MREMAP_MAYMOVE);
	printf("second view: %s, different address: %s\n", mapfailname(b), a != b ? "yes" : "no");
	printf("second view sees the first write: %s\n", b[10] == 'A' ? "yes" : "no");
	b[PG + 5] = 'B';
	printf("first view sees a write through the second: %s\n", a[PG + 5] == 'B' ? "yes" : "no");
	char line[128];
	snprintf(line, sizeof(line), "%s", slurp("/proc/self/maps"));
	print_maps_rel("first view", a, 2 * PG);
	munmap(a, 2 * PG);
	printf("second view survives munmap of the first: %s\n", b[10] == 'A' ? "yes" : "no");
	char *p = mmap(NULL, PG, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	char *q = mremap(p, 0, PG, MREMAP_MAYMOVE);
	printf("duplicating a private mapping: %s\n", mapfailname(q));
	printf("Shmem in meminfo counts it: %s\n", strstr(slurp("/proc/meminfo"), "Shmem:") ? "yes" : "no");
	return 0;
}
