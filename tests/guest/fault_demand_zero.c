/*
 * Demand-zero faults on anonymous memory, counted by getrusage: one minor
 * fault per page written; none for a second write; /proc/self/stat's minflt
 * field moves with getrusage.
 * Authoritative golden: both.
 */
#include "guestutil.h"

#define N 100

static long stat_minflt(void)
{
	char *s = slurp("/proc/self/stat");
	char *p = strrchr(s, ')');
	long v = -1;
	/* after "pid (comm)": state ppid pgrp session tty tpgid flags minflt */
	sscanf(p + 2, "%*c %*d %*d %*d %*d %*d %*u %ld", &v);
	return v;
}

int main(void)
{
	guest_init();
	char *p = mmap(NULL, N * PG, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	long f0 = minflt(), m0 = majflt();
	for (int i = 0; i < N; i++)
		p[i * PG] = 1;
	long f1 = minflt(), m1 = majflt();
	printf("first write to %d pages: %ld minor, %ld major faults\n", N, f1 - f0, m1 - m0);
	f1 = minflt();
	for (int i = 0; i < N; i++)
		p[i * PG + 100] = 2;
	long f2 = minflt();
	printf("second write: %ld faults\n", f2 - f1);
	f2 = minflt();
	for (int i = 0; i < N; i++)
		p[i * PG + 8] = 3, p[i * PG + 4000] = 4;
	long f3 = minflt();
	printf("more writes to the same pages: %ld faults\n", f3 - f2);
	printf("Rss of the 100-page mapping: %ld kB\n", smaps_kb(p, "Rss"));
	printf("Anonymous: %ld kB\n", smaps_kb(p, "Anonymous"));
	long s0 = stat_minflt();
	char *q = mmap(NULL, 10 * PG, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	for (int i = 0; i < 10; i++)
		q[i * PG] = 1;
	long s1 = stat_minflt();
	printf("/proc/self/stat minflt delta for 10 pages: %ld\n", s1 - s0);
	return 0;
}
