/*
 * sigaction semantics: the old action read back, SA_SIGINFO with si_code
 * and si_pid for kill/tgkill/sigqueue, sa_mask and the signal itself blocked
 * during the handler (unless SA_NODEFER), SA_RESETHAND, SIG_IGN, and the
 * refusals (SIGKILL, SIGSTOP, signal 0 and 65).
 * Authoritative golden: both.
 */
#include "guestutil.h"

static volatile int code, same_pid, usr2_blocked, self_blocked, hits, value;

static void h(int sig, siginfo_t *si, void *uc)
{
	sigset_t cur;
	(void)uc;
	hits++;
	code = si->si_code;
	same_pid = si->si_pid == getpid();
	value = si->si_value.sival_int;
	sigprocmask(SIG_BLOCK, NULL, &cur);
	usr2_blocked = sigismember(&cur, SIGUSR2);
	self_blocked = sigismember(&cur, sig);
}

int main(void)
{
	guest_init();
	struct sigaction sa, old;
	memset(&sa, 0, sizeof(sa));
	sa.sa_sigaction = h;
	sa.sa_flags = SA_SIGINFO;
	sigemptyset(&sa.sa_mask);
	sigaddset(&sa.sa_mask, SIGUSR2);
	printf("install: %s\n", sigaction(SIGUSR1, &sa, &old) ? errname(errno) : "ok");
	printf("old action was SIG_DFL: %s\n", old.sa_handler == SIG_DFL ? "yes" : "no");
	sigaction(SIGUSR1, NULL, &old);
	printf("read back: SA_SIGINFO %s, USR2 in mask %s\n", old.sa_flags & SA_SIGINFO ? "yes" : "no",
	       sigismember(&old.sa_mask, SIGUSR2) ? "yes" : "no");
	kill(getpid(), SIGUSR1);
	printf("kill: ran %d, si_code %s, si_pid is us %s, USR2 blocked %s, USR1 blocked %s\n", hits,
	       sicodename(SIGUSR1, code), same_pid ? "yes" : "no", usr2_blocked ? "yes" : "no", self_blocked ? "yes" : "no");
	syscall(SYS_tgkill, getpid(), syscall(SYS_gettid), SIGUSR1);
	printf("tgkill: si_code %s\n", sicodename(SIGUSR1, code));
	sigqueue(getpid(), SIGUSR1, (union sigval){.sival_int = 42});
	printf("sigqueue: si_code %s, value %d\n", sicodename(SIGUSR1, code), value);
	sa.sa_flags = SA_SIGINFO | SA_NODEFER | SA_RESETHAND;
	sigaction(SIGUSR1, &sa, NULL);
	kill(getpid(), SIGUSR1);
	printf("SA_NODEFER: USR1 blocked in handler %s\n", self_blocked ? "yes" : "no");
	sigaction(SIGUSR1, NULL, &old);
	printf("SA_RESETHAND: back to SIG_DFL %s\n", old.sa_handler == SIG_DFL ? "yes" : "no");
	signal(SIGUSR2, SIG_IGN);
	kill(getpid(), SIGUSR2);
	printf("ignored SIGUSR2: still alive\n");
	printf("SIGKILL: %s\n", sigaction(SIGKILL, &sa, NULL) ? errname(errno) : "ok");
	printf("SIGSTOP: %s\n", sigaction(SIGSTOP, &sa, NULL) ? errname(errno) : "ok");
	printf("query SIGKILL: %s\n", sigaction(SIGKILL, NULL, &old) ? errname(errno) : "ok");
	printf("signal 0: %s\n", syscall(SYS_rt_sigaction, 0, NULL, &old, 8) ? errname(errno) : "ok");
	printf("signal 65: %s\n", syscall(SYS_rt_sigaction, 65, NULL, &old, 8) ? errname(errno) : "ok");
	printf("sigsetsize 16: %s\n", syscall(SYS_rt_sigaction, SIGUSR1, NULL, &old, 16) ? errname(errno) : "ok");
	printf("kill with signal 0: %s\n", kill(getpid(), 0) ? errname(errno) : "ok");
	printf("kill with signal 99: %s\n", kill(getpid(), 99) ? errname(errno) : "ok");
	printf("kill pid 0x3ffffff0: %s\n", kill(0x3ffffff0, SIGUSR2) ? errname(errno) : "ok");
	return 0;
}
