/*
 * Orphans: a grandchild whose parent exits is reparented (getppid changes to the reaper),
 * is no child of its grandparent (ECHILD), and is reaped by its new parent when it exits.
 * Authoritative golden: both.
 */
#include "guestutil.h"
#include <sys/wait.h>

int main(void)
{
	guest_init();
	int ready[2], go[2], out[2];
	pipe(ready);
	pipe(go);
	pipe(out);
	pid_t child = fork();
	if (child == 0) {
		pid_t me = getpid();
		pid_t gc = fork();
		if (gc == 0) {
			close(go[1]);
			close(out[0]);
			printf("grandchild: parent is the child: %s\n", getppid() == me ? "yes" : "no");
			write(ready[1], "r", 1);
			char c;
			read(go[0], &c, 1); /* the grandparent has reaped the child */
			printf("grandchild: parent changed: %s, parent is the grandparent: %s\n",
			       getppid() != me ? "yes" : "no", getppid() == getpgrp() ? "yes" : "no");
			_exit(0);
		}
		char c;
		read(ready[0], &c, 1);
		write(out[1], &gc, sizeof gc);
		_exit(3);
	}
	close(go[0]);
	close(out[1]);
	close(ready[1]);
	pid_t gc = 0;
	read(out[0], &gc, sizeof gc);
	int st;
	printf("grandparent: child exited with %d\n", waitpid(child, &st, 0) == child ? WEXITSTATUS(st) : -1);
	printf("grandparent: wait for the grandchild: %s\n",
	       errname(waitpid(gc, &st, 0) < 0 ? errno : 0));
	write(go[1], "g", 1);
	char c;
	ssize_t n = read(ready[0], &c, 1); /* EOF once the grandchild is gone */
	printf("grandparent: the grandchild's pipe end closed: %ld\n", (long)n);
	printf("grandparent: still no child: %s\n", errname(waitpid(-1, &st, 0) < 0 ? errno : 0));
	return 0;
}
