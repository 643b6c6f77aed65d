/*
 * The first program exits while its child still runs, holding the write end of a pipe the
 * child reads: its descriptors close at its exit, as on Linux, so the child sees the end of
 * the pipe, and its own copy of the standard output (vmlab's, duplicated) still works.
 * tests/e2e/procs.sh compares with the program run natively. No golden: the child prints
 * after the first program has ended, which the golden's "exit=" line would race with.
 */
#include "guestutil.h"

int main(void)
{
	int p[2];
	if (pipe(p))
		return 1;
	fflush(stdout);
	pid_t c = fork();
	if (c == 0) {
		close(p[1]);
		char b;
		ssize_t r = read(p[0], &b, 1);
		printf("child: read %d after the parent exited\n", (int)r);
		return 0;
	}
	close(p[0]);
	printf("parent: exits holding the write end\n");
	return 0;
}
