/*
 * The two pending sets of /proc/self/status: SigPnd (this thread's: raise is a tgkill)
 * and ShdPnd (the process's: kill), with both signals blocked.
 * Golden: the real i386 kernel.
 */
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

int main(void)
{
	sigset_t s;
	sigemptyset(&s);
	sigaddset(&s, SIGUSR1);
	sigaddset(&s, SIGUSR2);
	sigprocmask(SIG_BLOCK, &s, 0);
	kill(getpid(), SIGUSR1);
	raise(SIGUSR2);
	FILE *f = fopen("/proc/self/status", "r");
	char l[256];
	while (f && fgets(l, sizeof l, f))
		if (!strncmp(l, "SigPnd", 6) || !strncmp(l, "ShdPnd", 6))
			fputs(l, stdout);
	sigset_t p;
	sigpending(&p);
	printf("sigpending: SIGUSR1 %d SIGUSR2 %d\n", sigismember(&p, SIGUSR1), sigismember(&p, SIGUSR2));
	return 0;
}
