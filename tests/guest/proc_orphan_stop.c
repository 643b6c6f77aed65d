/*
 * A stopped process whose process group becomes orphaned (its parent, the only process
 * outside the group in its session, exits) gets SIGHUP then SIGCONT from the kernel
 * (si_code SI_KERNEL), as POSIX asks: nobody would continue it otherwise. The grandparent
 * hears of it through a pipe. A SIGTSTP sent to a process of an orphaned group is
 * discarded (it would stop it for ever); SIGSTOP is not.
 * Authoritative golden: both.
 */
#include "guestutil.h"
#include <sys/wait.h>

static int g_fd;

static void on_sig(int sig, siginfo_t *si, void *uc)
{
	(void)uc;
	char c = sig == SIGHUP ? 'H' : sig == SIGCONT ? 'C' : '?';
	if (si->si_code != SI_KERNEL)
		c = (char)(c + 32); /* lower case: not from the kernel */
	write(g_fd, &c, 1);
}

int main(void)
{
	guest_init();
	int p[2];
	pipe(p);
	g_fd = p[1];
	pid_t a = fork();
	if (a == 0) {
		close(p[0]);
		pid_t b = fork();
		if (b == 0) {
			setpgid(0, 0);
			struct sigaction sa;
			memset(&sa, 0, sizeof sa);
			sa.sa_sigaction = on_sig;
			sa.sa_flags = SA_SIGINFO;
			sigaction(SIGHUP, &sa, NULL);
			sigaction(SIGCONT, &sa, NULL);
			raise(SIGSTOP);
			write(p[1], "E", 1);
			/* now orphaned: SIGTSTP is discarded, the process goes on */
			raise(SIGTSTP);
			write(p[1], "T", 1);
			_exit(0);
		}
		setpgid(b, b);
		int st;
		waitpid(b, &st, WUNTRACED);
		write(p[1], WIFSTOPPED(st) ? "S" : "?", 1);
		_exit(0); /* b's group is orphaned with b stopped in it */
	}
	close(p[1]);
	int st;
	waitpid(a, &st, 0);
	char buf[16];
	size_t n = 0;
	ssize_t r;
	while (n < sizeof buf && (r = read(p[0], buf + n, sizeof buf - n)) > 0)
		n += (size_t)r;
	printf("what happened: %.*s\n", (int)n, buf);
	return 0;
}
