/*
 * wait4/waitpid/waitid: exit statuses and signal statuses, WNOHANG while a child runs,
 * WNOWAIT leaving the zombie, ECHILD, waiting by pid, by process group and for anyone,
 * and SIGCHLD with its siginfo.
 * Authoritative golden: both.
 */
#include "guestutil.h"
#include <sys/wait.h>

static volatile int g_chld, g_code, g_status;

static void on_chld(int sig, siginfo_t *si, void *uc)
{
	(void)sig;
	(void)uc;
	g_chld++;
	g_code = si->si_code;
	g_status = si->si_status;
}

static void show(const char *what, int st)
{
	if (WIFEXITED(st))
		printf("%s: exited, status %d\n", what, WEXITSTATUS(st));
	else if (WIFSIGNALED(st))
		printf("%s: killed by %s%s\n", what, signame(WTERMSIG(st)),
		       WCOREDUMP(st) ? " (core dumped)" : "");
	else
		printf("%s: raw status %#x\n", what, st);
}

static pid_t spawn_exit(int code)
{
	pid_t p = fork();
	if (p == 0)
		_exit(code);
	return p;
}

int main(void)
{
	guest_init();
	int st;
	printf("wait with no children: %s\n", errname(waitpid(-1, &st, 0) < 0 ? errno : 0));
	printf("WNOHANG with no children: %s\n", errname(waitpid(-1, &st, WNOHANG) < 0 ? errno : 0));

	/* exit codes, reaped in the order asked */
	pid_t a = spawn_exit(0), b = spawn_exit(42), c = spawn_exit(255);
	show("child c", waitpid(c, &st, 0) == c ? st : -1);
	show("child a", waitpid(a, &st, 0) == a ? st : -1);
	show("child b", waitpid(b, &st, 0) == b ? st : -1);

	/* a child blocked on a pipe: WNOHANG finds nothing; killed by SIGTERM */
	int pfd[2];
	pipe(pfd);
	pid_t r = fork();
	if (r == 0) {
		char ch;
		close(pfd[1]);
		read(pfd[0], &ch, 1);
		_exit(1);
	}
	close(pfd[0]);
	printf("WNOHANG while it runs: %d\n", (int)waitpid(r, &st, WNOHANG));
	kill(r, SIGTERM);
	show("SIGTERM'd child", waitpid(r, &st, 0) == r ? st : -1);
	close(pfd[1]);

	/* children that die of their own faults */
	pid_t s = fork();
	if (s == 0) {
		*(volatile int *)0 = 1;
		_exit(0);
	}
	show("NULL-writing child", waitpid(s, &st, 0) == s ? st : -1);
	pid_t ab = fork();
	if (ab == 0)
		abort();
	show("aborting child", waitpid(ab, &st, 0) == ab ? st : -1);
	pid_t k = fork();
	if (k == 0) {
		raise(SIGKILL);
		_exit(0);
	}
	show("SIGKILL'd child", waitpid(k, &st, 0) == k ? st : -1);

	/* waitid: WNOWAIT leaves the zombie for the real wait */
	pid_t w = spawn_exit(9);
	siginfo_t si;
	memset(&si, 0, sizeof si);
	int rr = waitid(P_PID, w, &si, WEXITED | WNOWAIT);
	printf("waitid WNOWAIT: %d, signo %s, code %d, status %d, pid ok %s\n", rr,
	       signame(si.si_signo), si.si_code, si.si_status, si.si_pid == w ? "yes" : "no");
	memset(&si, 0, sizeof si);
	rr = waitid(P_ALL, 0, &si, WEXITED);
	printf("waitid again: %d, code %d, status %d, pid ok %s\n", rr, si.si_code, si.si_status,
	       si.si_pid == w ? "yes" : "no");
	printf("waitid without WEXITED: %s\n",
	       errname(waitid(P_ALL, 0, &si, 0) < 0 ? errno : 0));
	memset(&si, 0x55, sizeof si);
	printf("waitid WNOHANG, no child: %s\n",
	       errname(waitid(P_ALL, 0, &si, WEXITED | WNOHANG) < 0 ? errno : 0));

	/* waitpid(0): our process group; -pgid */
	pid_t g = spawn_exit(3);
	printf("waitpid(0): %s", waitpid(0, &st, 0) == g ? "that child, " : "?, ");
	show("status", st);
	g = spawn_exit(4);
	printf("waitpid(-pgrp): %s", waitpid(-getpgrp(), &st, 0) == g ? "that child, " : "?, ");
	show("status", st);
	printf("wait for a pid that is no child: %s\n",
	       errname(waitpid(1, &st, 0) < 0 ? errno : 0));
	printf("bad options: %s\n", errname(waitpid(-1, &st, 0x1000) < 0 ? errno : 0));

	/* SIGCHLD with siginfo */
	struct sigaction sa;
	memset(&sa, 0, sizeof sa);
	sa.sa_sigaction = on_chld;
	sa.sa_flags = SA_SIGINFO | SA_RESTART;
	sigaction(SIGCHLD, &sa, NULL);
	g = spawn_exit(5);
	waitpid(g, &st, 0);
	printf("SIGCHLD: %d delivered, si_code %d (CLD_EXITED %d), si_status %d\n", g_chld,
	       g_code, CLD_EXITED, g_status);
	g = fork();
	if (g == 0) {
		pause();
		_exit(0);
	}
	kill(g, SIGUSR1);
	waitpid(g, &st, 0);
	printf("SIGCHLD: %d delivered, si_code %d (CLD_KILLED %d), si_status %s\n", g_chld,
	       g_code, CLD_KILLED, signame(g_status));

	/* SIGCHLD ignored: children are reaped at once, wait finds none */
	signal(SIGCHLD, SIG_IGN);
	g = spawn_exit(6);
	printf("wait with SIGCHLD ignored: %s\n", errname(waitpid(g, &st, 0) < 0 ? errno : 0));
	return 0;
}
