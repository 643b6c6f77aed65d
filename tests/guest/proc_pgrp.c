/*
 * Process groups and sessions: setpgid by the process and by its parent, getpgid of
 * another process, setsid's rules (EPERM for a group leader), kill of a whole group,
 * getppid.
 * Authoritative golden: both.
 */
#include "guestutil.h"
#include <sys/wait.h>

int main(void)
{
	guest_init();
	pid_t me = getpid();
	int sync1[2], sync2[2];
	pipe(sync1);
	pipe(sync2);
	pid_t c = fork();
	if (c == 0) {
		char ch;
		read(sync1[0], &ch, 1);
		printf("child: getppid is the parent: %s\n", getppid() == me ? "yes" : "no");
		printf("child: now leads its group: %s\n", getpgrp() == getpid() ? "yes" : "no");
		pid_t s = setsid();
		printf("child: setsid as group leader: %s\n", errname(s < 0 ? errno : 0));
		pid_t gc = fork();
		if (gc == 0) {
			pid_t s2 = setsid();
			printf("grandchild: setsid: %s, sid is its pid: %s, pgid too: %s\n",
			       errname(s2 < 0 ? errno : 0), getsid(0) == getpid() ? "yes" : "no",
			       getpgrp() == getpid() ? "yes" : "no");
			printf("grandchild: setpgid into the old group: %s\n",
			       errname(setpgid(0, getppid()) < 0 ? errno : 0));
			_exit(0);
		}
		int st;
		waitpid(gc, &st, 0);
		write(sync2[1], "x", 1);
		pause();
		_exit(0);
	}
	printf("parent: getpgid of the child: %s\n", getpgid(c) == getpgrp() ? "ours" : "other");
	printf("parent: setpgid(child, child): %s\n", errname(setpgid(c, c) < 0 ? errno : 0));
	printf("parent: getpgid of the child: %s\n", getpgid(c) == c ? "its own" : "other");
	printf("parent: setpgid of a stranger: %s\n", errname(setpgid(1, 0) < 0 ? errno : 0));
	printf("parent: getpgid(-1): %s\n", errname(getpgid(-1) < 0 ? errno : 0));
	write(sync1[1], "x", 1);
	char ch;
	read(sync2[0], &ch, 1);
	printf("parent: kill(-child's group, SIGTERM): %d\n", kill(-c, SIGTERM));
	int st;
	waitpid(c, &st, 0);
	printf("parent: child killed by %s\n", WIFSIGNALED(st) ? signame(WTERMSIG(st)) : "nothing");
	printf("parent: kill of a gone group: %s\n", errname(kill(-c, SIGTERM) < 0 ? errno : 0));
	printf("parent: kill(0, 0): %d\n", kill(0, 0));
	return 0;
}
