/*
 * A small fork/pipe program for the sched trace (tests/e2e/observe_trace.sh): the parent
 * forks a child that writes to a pipe and exits with 3; the parent computes a while (long
 * enough to be preempted under a short --slice), reads the pipe (blocking if the child has
 * not run yet), waits for the child and reports. Every switch is deterministic: the golden is
 * vmlab's own. No golden (the trace is compared, not the output).
 */
#include <stdio.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

int main(void)
{
	int p[2];
	if (pipe(p))
		return 1;
	pid_t c = fork();
	if (c == 0) {
		close(p[0]);
		write(p[1], "hi", 2);
		_exit(3);
	}
	close(p[1]);
	for (volatile int i = 0; i < 3000; i++)
		;
	char buf[8];
	ssize_t n = read(p[0], buf, sizeof buf);
	int st;
	waitpid(c, &st, 0);
	printf("read %zd, child exit %d\n", n, WEXITSTATUS(st));
	return 0;
}
