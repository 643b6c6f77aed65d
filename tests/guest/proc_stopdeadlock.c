/*
 * A child stops itself (SIGSTOP) and its parent waits for it to exit: nobody will ever
 * continue it. Real Linux hangs; vmlab ends the run naming the stopped task and the waiting
 * one (tests/e2e/procs.sh). No golden: not run by run_guest.sh.
 */
#include "guestutil.h"
#include <sys/wait.h>

int main(void)
{
	guest_init();
	pid_t c = fork();
	if (c == 0) {
		raise(SIGSTOP);
		_exit(0);
	}
	int st;
	printf("parent waits\n");
	waitpid(c, &st, 0); /* no WUNTRACED: the stop does not end this wait */
	printf("never printed\n");
	return 0;
}
