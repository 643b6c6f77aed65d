/*
 * Death by SIGABRT from abort(), even with a handler that returns and with
 * SIGABRT blocked: exit status 134. Output buffered in stdio before abort()
 * is lost (glibc does not flush on abort since 2.27).
 * Authoritative golden: both.
 */
#include "guestutil.h"

static void h(int sig)
{
	(void)sig;
	write(1, "handler ran\n", 12);
}

int main(void)
{
	signal(SIGABRT, h);
	sigset_t s;
	sigemptyset(&s);
	sigaddset(&s, SIGABRT);
	sigprocmask(SIG_BLOCK, &s, NULL);
	write(1, "calling abort\n", 14);
	printf("this line stays in the stdio buffer\n");
	abort();
}
