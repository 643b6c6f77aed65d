/*
 * The OOM killer: a child touches more anonymous memory than RAM + swap (in chunks, each
 * within the overcommit heuristic) and is killed with SIGKILL; its parent, small, lives on
 * and reads the oom_kill count of /proc/vmstat. /proc/self/oom_score and oom_score_adj are
 * printed for the parent as facts that do not depend on the machine: adj 0, score in range.
 * Usage: swap_oom MB (what the child tries to touch)
 */
#include "guestutil.h"
#include <sys/wait.h>

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

static long read_long(const char *path)
{
	FILE *f = fopen(path, "r");
	long v = -1;
	if (f) {
		if (fscanf(f, "%ld", &v) != 1)
			v = -1;
		fclose(f);
	}
	return v;
}

int main(int argc, char **argv)
{
	int mb = argc > 1 ? atoi(argv[1]) : 256;
	long before = vmstat("oom_kill");
	printf("oom_score_adj %ld\n", read_long("/proc/self/oom_score_adj"));
	long score = read_long("/proc/self/oom_score");
	printf("oom_score in [0, 1000]: %s\n", score >= 0 && score <= 1000 ? "yes" : "no");
	fflush(stdout);
	pid_t c = fork();
	if (c == 0) {
		for (int i = 0; i < mb / 8; i++) {
			char *p = mmap(NULL, 8 << 20, PROT_READ | PROT_WRITE,
				       MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
			if (p == MAP_FAILED) {
				printf("child: mmap %s after %d MB\n", errname(errno), i * 8);
				_exit(3);
			}
			for (size_t o = 0; o < (8u << 20); o += PG)
				p[o] = (char)(o >> 12 | 1);
		}
		printf("child: touched %d MB and was not killed\n", mb);
		_exit(0);
	}
	int st = 0;
	waitpid(c, &st, 0);
	if (WIFSIGNALED(st))
		printf("child killed by signal %d\n", WTERMSIG(st));
	else
		printf("child exited %d\n", WEXITSTATUS(st));
	printf("oom_kill count went up by %ld\n", vmstat("oom_kill") - before);
	printf("parent alive\n");
	return 0;
}
