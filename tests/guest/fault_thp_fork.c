/*
 * fork over a transparent huge page. Linux (copy_huge_pmd) gives the child the same huge
 * page through its own huge PMD, write-protected in both: AnonHugePages stays in both
 * processes' smaps and Pss halves. A write fault on it (do_huge_pmd_wp_page) takes the
 * page back whole when no one else maps it, otherwise splits the writer's PMD into 4 KB
 * PTEs and copies only the written page; /proc/meminfo's AnonHugePages counts a huge page
 * while any PMD still maps it (printed as the change since the program started: the file
 * is the whole machine's).
 * Authoritative goldens: the 686 (4 MB pages) and 686-pae (2 MB) kernels with THP
 * "always" (-m 1024). The x86-64 host runs THP in "madvise" mode.
 */
#include "guestutil.h"
#include <sys/wait.h>

#define HUGE (4UL << 20)

static long meminfo_kb(const char *name)
{
	char *s = slurp("/proc/meminfo");
	size_t l = strlen(name);
	for (char *line = s; line && *line;
	     line = strchr(line, '\n') ? strchr(line, '\n') + 1 : NULL)
		if (!strncmp(line, name, l) && line[l] == ':')
			return strtol(line + l + 1, NULL, 10);
	return -1;
}

/* An anonymous mapping of one 4 MB-aligned 4 MB range, its first byte written. */
static char *huge_region(void)
{
	char *raw =
	    mmap(NULL, 3 * HUGE, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	char *p = (char *)(((uintptr_t)raw + HUGE - 1) & ~(HUGE - 1));
	munmap(raw, p - raw);
	munmap(p + HUGE, raw + 3 * HUGE - (p + HUGE));
	p[0] = 1;
	return p;
}

static long thp0; /* meminfo AnonHugePages when the program started */

static void show(const char *who, const char *what, char *p, long faults)
{
	printf("%s, %s: %ld fault(s); Rss %ld Pss %ld Shared_Dirty %ld Private_Dirty %ld "
	       "AnonHugePages %ld kB; meminfo AnonHugePages %+ld kB\n",
	       who, what, faults, smaps_kb(p, "Rss"), smaps_kb(p, "Pss"),
	       smaps_kb(p, "Shared_Dirty"), smaps_kb(p, "Private_Dirty"),
	       smaps_kb(p, "AnonHugePages"), meminfo_kb("AnonHugePages") - thp0);
	fflush(stdout);
}

/* After fork every writable page of both processes is write-protected: fault in what the
 * measurements themselves write (stack, stdio, slurp's buffer) before counting. */
static void warm_up(char *p)
{
	if (smaps_kb(p, "Rss") < 0 || meminfo_kb("AnonHugePages") < 0 || status_kb("VmPTE") < 0)
		printf("no smaps, meminfo or VmPTE\n");
	minflt();
}

/* The write at off, counted */
static long write_at(char *p, unsigned long off)
{
	long f0 = minflt();
	p[off] = 2;
	return minflt() - f0;
}

static void sync_wait(int fd)
{
	char c;
	if (read(fd, &c, 1) != 1)
		_exit(3);
}

static void sync_post(int fd)
{
	if (write(fd, "x", 1) != 1)
		_exit(3);
}

int main(void)
{
	guest_init();
	char *s = slurp("/sys/kernel/mm/transparent_hugepage/enabled");
	printf("THP setting: %s", s ? s : "none\n");
	thp0 = meminfo_kb("AnonHugePages");

	/* 1: both map it huge; the child writes first, then the parent */
	long pte0 = status_kb("VmPTE");
	char *p = huge_region();
	printf("parent: VmPTE %+ld kB after the first write\n", status_kb("VmPTE") - pte0);
	show("parent", "before fork", p, 0);
	int c2p[2], p2c[2];
	if (pipe(c2p) || pipe(p2c))
		return 1;
	fflush(stdout);
	pid_t pid = fork();
	if (pid == 0) {
		warm_up(p);
		long pte = status_kb("VmPTE");
		long f0 = minflt();
		volatile char v = p[7 * PG];
		(void)v;
		show("child", "read", p, minflt() - f0);
		show("child", "write", p, write_at(p, 3 * PG));
		show("child", "write the same page again", p, write_at(p, 3 * PG + 1));
		printf("child: VmPTE %+ld kB over its writes\n", status_kb("VmPTE") - pte);
		fflush(stdout);
		sync_post(c2p[1]);
		sync_wait(p2c[0]);
		_exit(0);
	}
	sync_wait(c2p[0]);
	warm_up(p);
	show("parent", "after the child's write", p, 0);
	show("parent", "write", p, write_at(p, 5 * PG));
	sync_post(p2c[1]);
	waitpid(pid, NULL, 0);
	show("parent", "after the child exited", p, 0);
	munmap(p, HUGE);

	/* 2: the child exits without touching it: the parent's write takes it back whole */
	p = huge_region();
	fflush(stdout);
	pid = fork();
	if (pid == 0)
		_exit(0);
	waitpid(pid, NULL, 0);
	warm_up(p);
	show("parent", "write after the child exited", p, write_at(p, 5 * PG));
	munmap(p, HUGE);

	/* 3: the parent writes first, while the child still maps it huge */
	p = huge_region();
	fflush(stdout);
	pid = fork();
	if (pid == 0) {
		sync_wait(p2c[0]);
		warm_up(p);
		show("child", "after the parent's write", p, 0);
		show("child", "write", p, write_at(p, 2 * PG));
		_exit(0);
	}
	warm_up(p);
	show("parent", "write", p, write_at(p, 2 * PG));
	sync_post(p2c[1]);
	waitpid(pid, NULL, 0);
	show("parent", "after the child exited", p, 0);
	return 0;
}
