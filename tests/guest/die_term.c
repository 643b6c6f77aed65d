/*
 * Death by a signal sent to itself: SIGTERM with the default action (exit
 * status 143), after a blocked-then-unblocked SIGUSR2 that was ignored.
 * Authoritative golden: both.
 */
#include "guestutil.h"

int main(void)
{
	guest_init();
	signal(SIGUSR2, SIG_IGN);
	raise(SIGUSR2);
	printf("ignored SIGUSR2\n");
	sigset_t s;
	sigemptyset(&s);
	sigaddset(&s, SIGTERM);
	sigprocmask(SIG_BLOCK, &s, NULL);
	kill(getpid(), SIGTERM);
	printf("SIGTERM pending while blocked\n");
	sigprocmask(SIG_UNBLOCK, &s, NULL);
	printf("not reached\n");
	return 0;
}
