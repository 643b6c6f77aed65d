/*
 * The OOM killer honours oom_score_adj: of two children, the small one that wrote 1000 to
 * /proc/self/oom_score_adj is killed, not its sibling holding half of RAM, when the parent
 * then runs the machine out of memory (RAM + swap). The parent stops as soon as the small
 * child is dead, lets the big one check its data, and reports.
 * Sizes follow MemTotal and SwapTotal: the big child holds half of MemTotal, the small one an
 * eighth; with oom_score_adj 1000 the small one's badness exceeds the machine's total pages.
 * No golden in tests/guest/expected: scripts/linux-oracle/record-swap.sh records it on a
 * 64 MB machine (tests/golden/linux/686/swap/), compared by tests/e2e/swap_oracle.sh.
 */
#include "guestutil.h"
#include <sys/wait.h>

static long meminfo_kb(const char *key)
{
	FILE *f = fopen("/proc/meminfo", "r");
	char k[64];
	long v, r = -1;
	while (f && fscanf(f, "%63s %ld kB", k, &v) == 2)
		if (!strcmp(k, key))
			r = v;
	if (f)
		fclose(f);
	return r;
}

static long vmstat(const char *name)
{
	FILE *f = fopen("/proc/vmstat", "r");
	char k[64];
	long v, r = -1;
	while (f && fscanf(f, "%63s %ld", k, &v) == 2)
		if (!strcmp(k, name))
			r = v;
	if (f)
		fclose(f);
	return r;
}

static char *touch(size_t bytes, char tag)
{
	char *p = mmap(NULL, bytes, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (p == MAP_FAILED)
		return NULL;
	for (size_t o = 0; o < bytes; o += PG)
		p[o] = (char)(tag ^ (o >> 12));
	return p;
}

int main(void)
{
	long total_kb = meminfo_kb("MemTotal:") + meminfo_kb("SwapTotal:");
	size_t big = (size_t)meminfo_kb("MemTotal:") / 2 * 1024, small = big / 4;
	long kills = vmstat("oom_kill");
	int ready[2], go[2];
	if (pipe(ready) || pipe(go))
		return 1;
	fflush(stdout);
	pid_t pb = fork();
	if (pb == 0) {
		close(go[1]);
		char *p = touch(big, 'b');
		char c = p ? 'b' : 'x';
		if (write(ready[1], &c, 1) != 1 || read(go[0], &c, 1) != 0)
			_exit(2);
		int bad = 0;
		for (size_t o = 0; p && o < big; o += PG)
			bad += p[o] != (char)('b' ^ (o >> 12));
		_exit(p && !bad ? 0 : 1);
	}
	pid_t ps = fork();
	if (ps == 0) {
		close(go[1]);
		int fd = open("/proc/self/oom_score_adj", O_WRONLY);
		char c = fd >= 0 && write(fd, "1000", 4) == 4 ? 's' : 'x';
		if (!touch(small, 's'))
			c = 'x';
		if (write(ready[1], &c, 1) != 1)
			_exit(2);
		read(go[0], &c, 1);
		_exit(0);
	}
	close(go[0]);
	char got[2] = "";
	if (read(ready[0], got, 1) != 1 || read(ready[0], got + 1, 1) != 1 || memchr(got, 'x', 2)) {
		printf("children not ready\n");
		return 1;
	}
	printf("big child: %zu kB; small child: %zu kB, oom_score_adj 1000\n", big >> 10,
	       small >> 10);
	/* the parent takes memory 1 MB at a time until the OOM killer has run once (the victim
	 * may not have finished dying yet: waitpid then waits for it) */
	int st = 0, killed = 0;
	for (long mb = 0; mb < total_kb / 1024 * 2 && !killed; mb++) {
		if (!touch(1 << 20, 'p')) {
			printf("parent: mmap %s\n", errname(errno));
			break;
		}
		killed = vmstat("oom_kill") > kills;
	}
	if (!killed)
		printf("no OOM kill\n");
	else if (waitpid(ps, &st, 0) != ps)
		printf("waitpid(small child): %s\n", errname(errno));
	else if (WIFSIGNALED(st))
		printf("small child: killed by signal %d\n", WTERMSIG(st));
	else
		printf("small child: exited %d\n", WEXITSTATUS(st));
	int bst = 0;
	printf("big child after that: %s\n", waitpid(pb, &bst, WNOHANG) == 0 ? "alive" : "gone");
	close(go[1]);
	waitpid(pb, &bst, 0);
	if (WIFSIGNALED(bst))
		printf("big child: killed by signal %d\n", WTERMSIG(bst));
	else
		printf("big child: exited %d (%s)\n", WEXITSTATUS(bst),
		       WEXITSTATUS(bst) ? "data lost" : "data intact");
	printf("oom_kill went up by %ld\n", vmstat("oom_kill") - kills);
	printf("parent alive\n");
	return 0;
}
