/*
 * Death by SIGSEGV with the default action: a write through NULL. The
 * process dies without running exit handlers or flushing stdio; the shell
 * (and vmlab) report exit status 128+11 = 139.
 * Authoritative golden: both.
 */
#include "guestutil.h"

static void bye(void)
{
	printf("atexit handler ran (it must not)\n");
}

int main(void)
{
	guest_init();
	atexit(bye);
	printf("about to write through NULL\n");
	*(volatile int *)0 = 1;
	printf("still alive (must not happen)\n");
	return 0;
}
