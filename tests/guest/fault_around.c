/*
 * Fault-around on file mappings: a read fault maps up to 16 pages around the
 * faulting one (aligned to 64 kB) of those already in the page cache, so
 * reading every page of a cached 64-page file costs 4 faults, and Rss after
 * one read is 64 kB. Writes to a private mapping are not faulted around.
 * Authoritative golden: both.
 */
#include "guestutil.h"

#define N 64

int main(void)
{
	guest_init();
	scratch_dir("fault_around");
	int fd = make_file(scratch_path("f"), N * PG);
	char *a = mmap(NULL, N * PG, PROT_READ, MAP_SHARED, fd, 0);
	char *al = mmap(NULL, (N + 16) * PG, PROT_READ, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	munmap(al, (N + 16) * PG);
	/* a 64 kB aligned mapping, so the fault-around windows are whole */
	char *b = mmap((char *)(((uintptr_t)al + 0xffff) & ~0xffffUL), N * PG, PROT_READ, MAP_SHARED | MAP_FIXED, fd, 0);
	long f0 = minflt();
	volatile char c = b[5 * PG];
	long f1 = minflt();
	printf("one read fault: %ld fault(s), Rss %ld kB\n", f1 - f0, smaps_kb(b, "Rss"));
	f1 = minflt();
	for (int i = 0; i < N; i++)
		c = b[i * PG];
	long f2 = minflt();
	printf("read all %d pages: %ld more faults, Rss %ld kB\n", N, f2 - f1, smaps_kb(b, "Rss"));
	char *w = mmap(NULL, N * PG, PROT_READ | PROT_WRITE, MAP_PRIVATE, fd, 0);
	f0 = minflt();
	for (int i = 0; i < N; i++)
		w[i * PG] = 1;
	f1 = minflt();
	printf("write all pages of a private mapping: %ld faults\n", f1 - f0);
	(void)a;
	(void)c;
	scratch_done();
	return 0;
}
