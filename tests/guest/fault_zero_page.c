/*
 * Reading untouched anonymous memory maps the shared zero page: a fault per
 * page, no memory used (Rss stays 0); a later write faults again (copy from
 * the zero page). Counted with getrusage and smaps.
 * Authoritative golden: both.
 */
#include "guestutil.h"

#define N 64

int main(void)
{
	guest_init();
	char *p = mmap(NULL, N * PG, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	long f0 = minflt();
	int sum = 0;
	for (int i = 0; i < N; i++)
		sum += ((volatile char *)p)[i * PG];
	long f1 = minflt();
	printf("read %d pages: %ld faults, all zero: %s\n", N, f1 - f0, sum == 0 ? "yes" : "no");
	printf("Rss after reading: %ld kB\n", smaps_kb(p, "Rss"));
	f1 = minflt();
	for (int i = 0; i < N; i++)
		sum += ((volatile char *)p)[i * PG + 1];
	long f2 = minflt();
	printf("read again: %ld faults\n", f2 - f1);
	for (int i = 0; i < N; i++)
		p[i * PG] = 1;
	long f3 = minflt();
	printf("write the same pages: %ld faults\n", f3 - f2);
	printf("Rss after writing: %ld kB\n", smaps_kb(p, "Rss"));
	char *q = mmap(NULL, N * PG, PROT_READ, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	f0 = minflt();
	for (int i = 0; i < N; i++)
		sum += ((volatile char *)q)[i * PG];
	f1 = minflt();
	printf("read-only mapping, read %d pages: %ld faults, Rss %ld kB\n", N, f1 - f0, smaps_kb(q, "Rss"));
	return 0;
}
