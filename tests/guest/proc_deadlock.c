/*
 * Two processes that each wait for the other forever: the parent reads a pipe only the
 * child could write, the child waits for the parent's exit. Real Linux hangs; vmlab ends
 * the run naming both tasks (tests/e2e/procs.sh). No golden: not run by run_guest.sh.
 */
#include "guestutil.h"
#include <sys/wait.h>

int main(void)
{
	guest_init();
	int p[2];
	pipe(p);
	pid_t c = fork();
	if (c == 0) {
		/* keeps the write end open, never writes, waits for a signal that never comes */
		pause();
		_exit(0);
	}
	char ch;
	printf("parent reads\n");
	read(p[0], &ch, 1);
	printf("never printed\n");
	return 0;
}
