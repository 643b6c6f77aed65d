/*
 * Real-time signals queue every instance (si_value from sigqueue, SI_QUEUE), standard ones
 * coalesce; sigwaitinfo takes them one at a time, the lowest number first and FIFO within
 * one; RLIMIT_SIGPENDING bounds the queued instances (SigQ in /proc/self/status): sigqueue
 * past it fails with EAGAIN, kill() of a real-time signal and sigqueue of a standard one
 * still make it pending, their siginfo lost (SI_USER from pid 0). Handlers run in the same
 * order. The count is the user's, over every process (a zombie's until reaped).
 * Golden: the real i386 kernels.
 */
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>

static void show_status(const char *when)
{
	FILE *f = fopen("/proc/self/status", "r");
	char l[256];
	printf("%s:\n", when);
	while (f && fgets(l, sizeof l, f))
		if (!strncmp(l, "SigQ", 4) || !strncmp(l, "SigPnd", 6) || !strncmp(l, "ShdPnd", 6))
			printf("  %s", l);
	if (f)
		fclose(f);
}

static const char *name(int sig)
{
	static char b[32];
	if (sig >= SIGRTMIN)
		snprintf(b, sizeof b, "SIGRTMIN+%d", sig - SIGRTMIN);
	else
		snprintf(b, sizeof b, "%s", sig == SIGHUP ? "SIGHUP" : sig == SIGUSR1 ? "SIGUSR1"
								: sig == SIGUSR2 ? "SIGUSR2" : "?");
	return b;
}

static void show_info(const siginfo_t *si)
{
	printf("  %s code %d pid %s", name(si->si_signo), si->si_code,
	       si->si_pid == getpid() ? "self" : si->si_pid == 0 ? "0" : "other");
	if (si->si_code == SI_QUEUE)
		printf(" value %d", si->si_value.sival_int);
	printf("\n");
}

static int queue(int sig, int v)
{
	union sigval sv = {.sival_int = v};
	int r = sigqueue(getpid(), sig, sv);
	printf("sigqueue %s %d: %d%s\n", name(sig), v, r, r ? (errno == EAGAIN ? " EAGAIN" : " ?") : "");
	return r;
}

static siginfo_t seen[8];
static volatile int nseen;

static void handler(int sig, siginfo_t *si, void *uc)
{
	(void)sig, (void)uc;
	if (nseen < 8)
		seen[nseen++] = *si;
}

int main(void)
{
	struct rlimit rl = {6, 6};
	if (setrlimit(RLIMIT_SIGPENDING, &rl))
		perror("setrlimit");
	sigset_t set;
	sigemptyset(&set);
	sigaddset(&set, SIGHUP);
	sigaddset(&set, SIGUSR1);
	sigaddset(&set, SIGUSR2);
	for (int i = 0; i <= 6; i++)
		sigaddset(&set, SIGRTMIN + i);
	sigprocmask(SIG_BLOCK, &set, 0);
	show_status("before");
	queue(SIGRTMIN + 4, 1);
	queue(SIGRTMIN + 2, 2);
	queue(SIGRTMIN + 4, 3);
	queue(SIGRTMIN + 2, 4);
	printf("kill SIGUSR1 twice: %d %d\n", kill(getpid(), SIGUSR1), kill(getpid(), SIGUSR1));
	printf("raise SIGUSR2 twice: %d %d\n", raise(SIGUSR2), raise(SIGUSR2));
	show_status("six queued");
	queue(SIGRTMIN + 2, 5);
	queue(SIGUSR1, 6);
	queue(SIGHUP, 7);
	printf("kill SIGRTMIN+6: %d\n", kill(getpid(), SIGRTMIN + 6));
	show_status("at the limit");
	printf("sigwaitinfo:\n");
	for (;;) {
		sigset_t p;
		sigpending(&p);
		int any = 0;
		for (int s = 1; s < NSIG; s++)
			any |= sigismember(&set, s) && sigismember(&p, s);
		if (!any)
			break;
		siginfo_t si;
		if (sigwaitinfo(&set, &si) < 0) {
			perror("sigwaitinfo");
			break;
		}
		show_info(&si);
	}
	show_status("after");

	/* handlers: each blocks every real-time signal, so one runs at a time */
	struct sigaction sa;
	memset(&sa, 0, sizeof sa);
	sa.sa_sigaction = handler;
	sa.sa_flags = SA_SIGINFO;
	for (int i = 0; i <= 6; i++)
		sigaddset(&sa.sa_mask, SIGRTMIN + i);
	sigaction(SIGRTMIN + 1, &sa, 0);
	sigaction(SIGRTMIN + 2, &sa, 0);
	queue(SIGRTMIN + 2, 10);
	queue(SIGRTMIN + 2, 11);
	queue(SIGRTMIN + 1, 12);
	sigprocmask(SIG_UNBLOCK, &set, 0);
	printf("handlers:\n");
	for (int i = 0; i < nseen; i++)
		show_info(&seen[i]);

	/* setting a signal to be ignored discards its queued instances */
	sigprocmask(SIG_BLOCK, &set, 0);
	queue(SIGRTMIN + 3, 20);
	queue(SIGRTMIN + 3, 21);
	show_status("two queued");
	signal(SIGRTMIN + 3, SIG_IGN);
	show_status("ignored");

	/* the limit is per user: a child's queued instances count for the parent too, until
	 * the child is reaped */
	int p[2];
	if (pipe(p))
		return 1;
	pid_t c = fork();
	if (c == 0) {
		union sigval sv = {.sival_int = 30};
		sigqueue(getpid(), SIGRTMIN + 5, sv);
		sigqueue(getpid(), SIGRTMIN + 5, sv);
		sigqueue(getpid(), SIGRTMIN + 5, sv);
		char x = 0;
		write(p[1], &x, 1);
		for (;;)
			pause();
	}
	char x;
	read(p[0], &x, 1);
	show_status("child queued three");
	queue(SIGRTMIN + 1, 31);
	queue(SIGRTMIN + 1, 32);
	queue(SIGRTMIN + 1, 33);
	queue(SIGRTMIN + 1, 34);
	kill(c, SIGKILL);
	show_status("child killed, not reaped");
	int st;
	waitpid(c, &st, 0);
	show_status("child reaped");
	queue(SIGRTMIN + 1, 35);
	return 0;
}
