/*
 * sigprocmask and pending signals: a blocked signal stays pending (visible
 * in sigpending and /proc/self/status SigPnd/SigBlk) until unblocked, then
 * its handler runs once; SIGKILL and SIGSTOP cannot be blocked; bad "how"
 * and a wrong sigsetsize are EINVAL.
 * Authoritative golden: both.
 */
#include "guestutil.h"

static volatile int hits;
static void h(int sig)
{
	(void)sig;
	hits++;
}

static void status_line(const char *name)
{
	char *s = slurp("/proc/self/status");
	char *l = strstr(s, name);
	if (!l) {
		printf("%s missing\n", name);
		return;
	}
	char *e = strchr(l, '\n');
	printf("%.*s\n", (int)(e - l), l);
}

int main(void)
{
	guest_init();
	signal(SIGUSR1, h);
	sigset_t s, old, pend;
	sigemptyset(&s);
	sigaddset(&s, SIGUSR1);
	sigaddset(&s, SIGKILL);
	sigaddset(&s, SIGSTOP);
	printf("block USR1, KILL, STOP: %s\n", sigprocmask(SIG_BLOCK, &s, &old) ? errname(errno) : "ok");
	sigprocmask(SIG_BLOCK, NULL, &old);
	printf("blocked: USR1 %d KILL %d STOP %d\n", sigismember(&old, SIGUSR1), sigismember(&old, SIGKILL),
	       sigismember(&old, SIGSTOP));
	raise(SIGUSR1);
	raise(SIGUSR1);
	sigpending(&pend);
	printf("after raising twice: handler ran %d times, pending %d\n", hits, sigismember(&pend, SIGUSR1));
	status_line("SigPnd");
	status_line("ShdPnd");
	status_line("SigBlk");
	sigprocmask(SIG_UNBLOCK, &s, NULL);
	printf("after unblocking: handler ran %d time(s)\n", hits);
	status_line("SigBlk");
	status_line("SigCgt");
	sigprocmask(SIG_SETMASK, &s, NULL);
	sigprocmask(SIG_SETMASK, NULL, &old);
	printf("SIG_SETMASK then query: USR1 %d\n", sigismember(&old, SIGUSR1));
	printf("bad how: %s\n", sigprocmask(99, &s, NULL) ? errname(errno) : "ok");
	unsigned long long m = 0;
	printf("rt_sigprocmask sigsetsize 4: %s\n", syscall(SYS_rt_sigprocmask, SIG_BLOCK, &m, NULL, 4) ? errname(errno) : "ok");
	printf("rt_sigprocmask bad pointer: %s\n",
	       syscall(SYS_rt_sigprocmask, SIG_BLOCK, (void *)16, NULL, 8) ? errname(errno) : "ok");
	unsigned long om = 0;
	printf("old sigprocmask syscall: %s", syscall(SYS_sigprocmask, SIG_BLOCK, NULL, &om) ? errname(errno) : "ok");
	printf(", USR1 bit set: %s\n", om & (1UL << (SIGUSR1 - 1)) ? "yes" : "no");
	sigprocmask(SIG_SETMASK, &(sigset_t){0}, NULL);
	return 0;
}
