/*
 * fork's copy-on-write, counted as the process sees it (getrusage ru_minflt): after fork
 * every private page written before is shared read-only; the first write in either
 * process takes a fault that copies the page, or reuses it when the other process no
 * longer maps it. Reads of shared pages take no fault; a region only ever read (the zero
 * page, no anon_vma) is not copied at fork and faults again in the child.
 * Authoritative golden: i386 (fault counts).
 */
#include "guestutil.h"
#include <sys/wait.h>

#define NP 16

int main(void)
{
	guest_init();
	char *buf = mmap(NULL, NP * PG, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	char *ro = mmap(NULL, 4 * PG, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	char *shm = mmap(NULL, 4 * PG, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	for (int i = 0; i < NP; i++)
		buf[i * PG] = 'p';
	volatile char sink = 0;
	for (int i = 0; i < 4; i++) {
		sink += ro[i * PG];
		shm[i * PG] = 's';
	}
	pid_t pid = fork();
	if (pid < 0) {
		printf("fork failed: %s\n", errname(errno));
		return 1;
	}
	if (pid == 0) {
		long c0 = minflt();
		for (int i = 0; i < 8; i++)
			buf[i * PG] = 'c';
		long c1 = minflt();
		for (int i = 8; i < NP; i++)
			sink += buf[i * PG];
		long c2 = minflt();
		for (int i = 0; i < 4; i++)
			sink += ro[i * PG];
		long c3 = minflt();
		for (int i = 0; i < 4; i++)
			shm[i * PG] = 'C';
		long c4 = minflt();
		for (int i = 0; i < 8; i++)
			buf[i * PG] = 'd';
		long c5 = minflt();
		printf("child: write 8 shared pages: %ld fault(s)\n", c1 - c0);
		printf("child: read 8 shared pages: %ld fault(s)\n", c2 - c1);
		printf("child: read 4 zero-page pages: %ld fault(s)\n", c3 - c2);
		printf("child: write 4 MAP_SHARED pages: %ld fault(s)\n", c4 - c3);
		printf("child: write its 8 copies again: %ld fault(s)\n", c5 - c4);
		printf("child sees parent's data in page 8: %c\n", buf[8 * PG]);
		_exit(7);
	}
	int st;
	struct rusage ru;
	pid_t w = wait4(pid, &st, 0, &ru);
	long p0 = minflt();
	for (int i = 0; i < 8; i++)
		buf[i * PG] = 'P';
	long p1 = minflt();
	for (int i = 8; i < NP; i++)
		buf[i * PG] = 'Q';
	long p2 = minflt();
	for (int i = 0; i < 8; i++)
		buf[i * PG] = 'R';
	long p3 = minflt();
	printf("wait4: %s, exited %d status %d\n", w == pid ? "the child" : "?", WIFEXITED(st),
	       WEXITSTATUS(st));
	printf("parent: write 8 pages the child copied: %ld fault(s)\n", p1 - p0);
	printf("parent: write 8 pages never copied: %ld fault(s)\n", p2 - p1);
	printf("parent: write them again: %ld fault(s)\n", p3 - p2);
	printf("parent keeps its data: %c%c, shared page: %c\n", buf[0], buf[8 * PG], shm[0]);
	printf("child's ru_minflt >= 20: %s, ru_majflt %ld\n", ru.ru_minflt >= 20 ? "yes" : "no",
	       ru.ru_majflt);
	struct rusage rc;
	getrusage(RUSAGE_CHILDREN, &rc);
	printf("RUSAGE_CHILDREN minflt equals the child's: %s\n",
	       rc.ru_minflt == ru.ru_minflt ? "yes" : "no");
	(void)sink;
	return 0;
}
