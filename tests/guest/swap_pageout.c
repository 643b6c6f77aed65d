/*
 * MADV_PAGEOUT with swap: the pages of a private anonymous mapping go to swap at once
 * (mincore: not resident), come back intact on the next touch as major faults, and a page a
 * fork shares is left alone (page_mapcount != 1). MADV_COLD changes nothing a program can
 * see. vmlab's swap device is synchronous (as zram, SWP_SYNCHRONOUS_IO): the page is written
 * and freed at once. With an asynchronous disk Linux keeps a page in the swap cache until its
 * write completes, so there mincore may still report it and the touch be a minor fault.
 */
#include "guestutil.h"
#include <sys/wait.h>

#ifndef MADV_COLD
#define MADV_COLD 20
#endif
#ifndef MADV_PAGEOUT
#define MADV_PAGEOUT 21
#endif

static void show(const char *label, void *p, int n)
{
	unsigned char v[16];
	printf("%s: ", label);
	if (mincore(p, n * PG, v)) {
		printf("%s\n", errname(errno));
		return;
	}
	for (int i = 0; i < n; i++)
		putchar(v[i] & 1 ? '1' : '0');
	putchar('\n');
}

static long pg_majflt(void)
{
	struct rusage ru;
	getrusage(RUSAGE_SELF, &ru);
	return ru.ru_majflt;
}

int main(void)
{
	int n = 8;
	char *p = mmap(NULL, n * PG, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	for (int i = 0; i < n; i++)
		memset(p + i * PG, 'a' + i, PG);
	show("written", p, n);
	printf("MADV_COLD: %s\n", madvise(p, n * PG, MADV_COLD) ? errname(errno) : "OK");
	show("after MADV_COLD", p, n);
	printf("MADV_PAGEOUT: %s\n", madvise(p, 4 * PG, MADV_PAGEOUT) ? errname(errno) : "OK");
	show("after MADV_PAGEOUT of 4", p, n);
	long m0 = pg_majflt();
	int bad = 0;
	for (int i = 0; i < n; i++)
		for (int j = 0; j < (int)PG; j += 512)
			bad += p[i * PG + j] != 'a' + i;
	printf("data %s, major faults %ld\n", bad ? "CORRUPTED" : "intact", pg_majflt() - m0);
	show("touched again", p, n);
	/* shared with a child: left in place */
	pid_t c = fork();
	if (c == 0) {
		pause();
		_exit(0);
	}
	printf("MADV_PAGEOUT (shared): %s\n", madvise(p, n * PG, MADV_PAGEOUT) ? errname(errno) : "OK");
	show("shared after MADV_PAGEOUT", p, n);
	kill(c, SIGKILL);
	waitpid(c, NULL, 0);
	return 0;
}
