/*
 * vfork: the parent sleeps until the child calls execve or _exit, and the child runs in the
 * parent's memory (its stores are seen by the parent). The child that execs lets the parent
 * go while it runs on.
 * Authoritative golden: both.
 */
#include "guestutil.h"
#include <sys/wait.h>

static volatile int shared_var = 1;

int main(int argc, char **argv)
{
	if (argc > 1) {
		printf("exec'd by the vfork child: %s\n", argv[1]);
		return 4;
	}
	guest_init();
	pid_t p = vfork();
	if (p == 0) {
		shared_var = 42;
		_exit(9);
	}
	printf("parent after vfork: the child's store is seen: %d\n", shared_var);
	int st;
	waitpid(p, &st, 0);
	printf("child exited with %d\n", WEXITSTATUS(st));

	int pfd[2];
	pipe(pfd);
	p = vfork();
	if (p == 0) {
		char *av[] = {argv[0], "hello", NULL};
		char *ev[] = {NULL};
		execve(argv[0], av, ev);
		_exit(127);
	}
	pid_t w = waitpid(p, &st, 0);
	printf("parent resumed after the exec; exec'd child %s exited with %d\n",
	       w == p ? "(the vfork child)" : "?", WEXITSTATUS(st));

	/* clone with CLONE_VFORK|CLONE_VM through posix_spawn-like use: vfork again, failing exec */
	p = vfork();
	if (p == 0) {
		char *av[] = {"/nonexistent", NULL};
		execve(av[0], av, av + 1);
		_exit(errno == ENOENT ? 2 : 1);
	}
	waitpid(p, &st, 0);
	printf("failed exec: child exited with %d\n", WEXITSTATUS(st));
	return 0;
}
