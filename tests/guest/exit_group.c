/*
 * The raw exit system calls: _exit skips atexit handlers and stdio
 * flushing; exit_group(7) ends the process with status 7 at once.
 * Authoritative golden: both.
 */
#include "guestutil.h"

static void a(void)
{
	printf("atexit ran (must not)\n");
}

int main(void)
{
	atexit(a);
	write(1, "before exit_group\n", 18);
	printf("stays buffered\n");
	syscall(SYS_exit_group, 7);
	return 1;
}
