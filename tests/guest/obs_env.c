/*
 * Prints what the program was given: its environment, in order, and a few resource limits
 * (tests/e2e/observe_env.sh checks them against vmlab run's environment and limit options).
 */
#include "guestutil.h"

extern char **environ;

static void limit(const char *name, int r)
{
	struct rlimit rl;
	getrlimit(r, &rl);
	printf("%s", name);
	if (rl.rlim_cur == RLIM_INFINITY)
		printf(" unlimited");
	else
		printf(" %lu", (unsigned long)rl.rlim_cur);
	if (rl.rlim_max == RLIM_INFINITY)
		printf("/unlimited\n");
	else
		printf("/%lu\n", (unsigned long)rl.rlim_max);
}

int main(void)
{
	for (char **e = environ; *e; e++)
		printf("env %s\n", *e);
	limit("stack", RLIMIT_STACK);
	limit("nofile", RLIMIT_NOFILE);
	limit("core", RLIMIT_CORE);
	limit("memlock", RLIMIT_MEMLOCK);
	limit("nproc", RLIMIT_NPROC);
	/* the heap's place follows from the stack limit (mmap_base) */
	void *p = mmap(NULL, PG, PROT_READ, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	printf("first mmap %s 0x80000000\n", (unsigned long)p > 0x80000000ul ? "above" : "below");
	return 0;
}
