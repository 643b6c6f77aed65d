/*
 * Job control: SIGSTOP and SIGTSTP stop a child, SIGCONT continues it, SIGKILL kills it while
 * stopped, a fatal signal waits for the continue; wait4 with WUNTRACED and WCONTINUED
 * (0x7f | sig << 8 and 0xffff), waitid with WSTOPPED, WCONTINUED, WNOWAIT, WNOHANG; SIGCHLD
 * with CLD_STOPPED and CLD_CONTINUED (none with SA_NOCLDSTOP); SIGCONT discarding pending
 * stop signals and a stop signal a pending SIGCONT; sleeping, pausing and selecting children
 * go on after a stop and a continue; a process with two threads stops and goes on as one.
 * The children are put in their own process group so that SIGTSTP is not discarded as sent
 * to an orphaned group. Every step waits for the state it asks about: no timing matters.
 * Authoritative golden: both.
 */
#include "guestutil.h"
#include <pthread.h>
#include <sys/select.h>
#include <sys/wait.h>

static volatile int g_chld, g_chld_code, g_chld_status, g_chld_pid;

static void on_chld(int sig, siginfo_t *si, void *uc)
{
	(void)sig;
	(void)uc;
	g_chld++;
	g_chld_code = si->si_code;
	g_chld_status = si->si_status;
	g_chld_pid = si->si_pid;
}

static const char *sname(int sig)
{
	switch (sig) {
	case SIGSTOP: return "SIGSTOP";
	case SIGTSTP: return "SIGTSTP";
	case SIGTTIN: return "SIGTTIN";
	case SIGTTOU: return "SIGTTOU";
	case SIGCONT: return "SIGCONT";
	case SIGKILL: return "SIGKILL";
	default: return signame(sig);
	}
}

static const char *cldname(int code)
{
	switch (code) {
	case CLD_EXITED: return "CLD_EXITED";
	case CLD_KILLED: return "CLD_KILLED";
	case CLD_DUMPED: return "CLD_DUMPED";
	case CLD_STOPPED: return "CLD_STOPPED";
	case CLD_CONTINUED: return "CLD_CONTINUED";
	default: return "CLD_?";
	}
}

static int g_st;

/* waitpid into g_st (the status is read after the call, whatever the argument order). */
static pid_t wp(pid_t pid, int options)
{
	g_st = 0;
	return waitpid(pid, (int *)&g_st, options);
}

static void show(const char *what, pid_t want, pid_t got)
{
	int st = g_st;
	if (got == 0 && want == 0) {
		printf("%s: nothing to report\n", what);
		return;
	}
	if (got != want) {
		printf("%s: wait returned %d (%s)\n", what, got == 0 ? 0 : got < 0 ? -1 : 1,
		       got < 0 ? errname(errno) : "");
		return;
	}
	if (WIFEXITED(st))
		printf("%s: exited, status %d\n", what, WEXITSTATUS(st));
	else if (WIFSIGNALED(st))
		printf("%s: killed by %s\n", what, sname(WTERMSIG(st)));
	else if (WIFSTOPPED(st))
		printf("%s: stopped by %s (status %#x)\n", what, sname(WSTOPSIG(st)), st);
	else if (WIFCONTINUED(st))
		printf("%s: continued (status %#x)\n", what, st);
	else
		printf("%s: raw status %#x\n", what, st);
}

static void show_chld(const char *what, pid_t child, int before)
{
	char status[16] = "-";
	if (g_chld - before)
		snprintf(status, sizeof status, "%s",
			 g_chld_code == CLD_EXITED ? "" : sname(g_chld_status));
	if (g_chld - before && g_chld_code == CLD_EXITED)
		snprintf(status, sizeof status, "%d", g_chld_status);
	printf("%s: %d SIGCHLD, %s, status %s, pid %s\n", what, g_chld - before,
	       g_chld - before ? cldname(g_chld_code) : "-", status,
	       g_chld - before ? (g_chld_pid == child ? "the child's" : "other") : "-");
}

static void show_waitid(const char *what, pid_t child, int r, const siginfo_t *si)
{
	if (r < 0) {
		printf("%s: %s\n", what, errname(errno));
		return;
	}
	if (si->si_pid == 0) {
		printf("%s: nothing to report (si_pid 0, si_signo %d)\n", what, si->si_signo);
		return;
	}
	printf("%s: si_signo %s, %s, si_status %s, si_pid %s\n", what, sname(si->si_signo),
	       cldname(si->si_code), si->si_code == CLD_EXITED ? "?" : sname(si->si_status),
	       si->si_pid == child ? "the child's" : "other");
}

/* A child in its own process group that reads a byte from p and exits with it. */
static pid_t spawn_reader(int p[2])
{
	pipe(p);
	pid_t c = fork();
	if (c == 0) {
		setpgid(0, 0);
		close(p[1]);
		char ch = 0;
		ssize_t n = read(p[0], &ch, 1);
		_exit(n == 1 ? ch : 100 + (int)n);
	}
	setpgid(c, c);
	close(p[0]);
	return c;
}

static void basic_stop_continue(void)
{
	int p[2], st;
	pid_t c = spawn_reader(p);
	int n0 = g_chld;
	kill(c, SIGSTOP);
	show("SIGSTOP, wait WUNTRACED", c, wp(c, WUNTRACED));
	show_chld("SIGSTOP", c, n0);
	show("stop reported once, WUNTRACED|WNOHANG", 0, wp(c, WUNTRACED | WNOHANG));
	show("without WUNTRACED, WNOHANG", 0, wp(c, WNOHANG));
	n0 = g_chld;
	kill(c, SIGCONT);
	show("SIGCONT, wait WCONTINUED", c, wp(c, WCONTINUED));
	/* the parent hears of the continue once the child has run again */
	for (int i = 0; i < 1000 && g_chld == n0; i++)
		nanosleep(&(struct timespec){0, 1000000}, NULL);
	show_chld("SIGCONT", c, n0);
	show("continue reported once, WCONTINUED|WNOHANG", 0,
	     wp(c, WCONTINUED | WNOHANG));
	/* SIGTSTP stops a child of a group that is not orphaned */
	kill(c, SIGTSTP);
	show("SIGTSTP, wait4 WUNTRACED", c, wait4(c, &g_st, WUNTRACED, NULL));
	/* a stopped child takes no byte and no SIGTERM until continued */
	write(p[1], "\x2a", 1);
	kill(c, SIGTERM);
	show("SIGTERM to the stopped child, WNOHANG", 0, wp(c, WNOHANG | WUNTRACED));
	kill(c, SIGCONT);
	show("SIGCONT: the pending SIGTERM kills it", c, wp(c, 0));
	close(p[1]);
}

static void kill_stopped(void)
{
	int p[2], st;
	pid_t c = spawn_reader(p);
	kill(-c, SIGTTIN); /* to its process group */
	show("SIGTTIN to the group", c, wp(-c, WUNTRACED));
	kill(c, SIGKILL);
	show("SIGKILL to the stopped child", c, wp(c, WUNTRACED | WCONTINUED));
	close(p[1]);
}

static void with_waitid(void)
{
	int p[2];
	siginfo_t si;
	pid_t c = spawn_reader(p);
	kill(c, SIGSTOP);
	memset(&si, 0, sizeof si);
	show_waitid("waitid WSTOPPED|WNOWAIT", c, waitid(P_PID, c, &si, WSTOPPED | WNOWAIT), &si);
	memset(&si, 0, sizeof si);
	show_waitid("waitid WSTOPPED again", c, waitid(P_PID, c, &si, WSTOPPED), &si);
	memset(&si, 0x55, sizeof si);
	show_waitid("waitid WSTOPPED|WNOHANG after the report", c,
		    waitid(P_PID, c, &si, WSTOPPED | WNOHANG), &si);
	memset(&si, 0, sizeof si);
	show_waitid("waitid WEXITED|WNOHANG while stopped", c,
		    waitid(P_PID, c, &si, WEXITED | WNOHANG), &si);
	kill(c, SIGCONT);
	memset(&si, 0, sizeof si);
	show_waitid("waitid WCONTINUED", c, waitid(P_ALL, 0, &si, WCONTINUED), &si);
	kill(c, SIGTTOU);
	memset(&si, 0, sizeof si);
	show_waitid("waitid WSTOPPED|WEXITED (SIGTTOU)", c,
		    waitid(P_PGID, c, &si, WSTOPPED | WEXITED), &si);
	kill(c, SIGKILL);
	memset(&si, 0, sizeof si);
	show_waitid("waitid WEXITED after SIGKILL", c, waitid(P_PID, c, &si, WEXITED), &si);
	close(p[1]);
}

static void nocldstop(void)
{
	struct sigaction sa;
	memset(&sa, 0, sizeof sa);
	sa.sa_sigaction = on_chld;
	sa.sa_flags = SA_SIGINFO | SA_RESTART | SA_NOCLDSTOP;
	sigaction(SIGCHLD, &sa, NULL);
	int p[2], st;
	pid_t c = spawn_reader(p);
	int n0 = g_chld;
	kill(c, SIGSTOP);
	show("SA_NOCLDSTOP: SIGSTOP", c, wp(c, WUNTRACED));
	kill(c, SIGCONT);
	show("SA_NOCLDSTOP: SIGCONT", c, wp(c, WCONTINUED));
	show_chld("SA_NOCLDSTOP: stop and continue", c, n0);
	write(p[1], "\x07", 1);
	show("SA_NOCLDSTOP: the child reads its byte", c, wp(c, 0));
	show_chld("SA_NOCLDSTOP: exit", c, n0);
	close(p[1]);
	sa.sa_flags = SA_SIGINFO | SA_RESTART;
	sigaction(SIGCHLD, &sa, NULL);
}

static void on_cont(int sig)
{
	(void)sig;
}

/* The child blocks the signals, reports ready, waits for "go", then exits with what it
 * finds pending: 1 SIGTSTP, 2 SIGCONT. */
static void discard(const char *what, int first, int second)
{
	int ready[2], go[2], st;
	pipe(ready);
	pipe(go);
	pid_t c = fork();
	if (c == 0) {
		setpgid(0, 0);
		struct sigaction sa;
		memset(&sa, 0, sizeof sa);
		sa.sa_handler = on_cont;
		sigaction(SIGCONT, &sa, NULL); /* a handler: SIGCONT is queued, not ignored */
		sigset_t m;
		sigemptyset(&m);
		sigaddset(&m, SIGTSTP);
		sigaddset(&m, SIGCONT);
		sigprocmask(SIG_BLOCK, &m, NULL);
		write(ready[1], "r", 1);
		char ch;
		read(go[0], &ch, 1);
		sigset_t pend;
		sigpending(&pend);
		_exit((sigismember(&pend, SIGTSTP) ? 1 : 0) | (sigismember(&pend, SIGCONT) ? 2 : 0));
	}
	setpgid(c, c);
	char ch;
	read(ready[0], &ch, 1);
	kill(c, first);
	kill(c, second);
	write(go[1], "g", 1);
	waitpid(c, &st, 0);
	printf("%s: %s then %s leaves pending:%s%s%s\n", what, sname(first), sname(second),
	       WEXITSTATUS(st) & 1 ? " SIGTSTP" : "", WEXITSTATUS(st) & 2 ? " SIGCONT" : "",
	       WEXITSTATUS(st) ? "" : " nothing");
	close(ready[0]);
	close(ready[1]);
	close(go[0]);
	close(go[1]);
}

static volatile int g_usr1;
static void on_usr1(int sig)
{
	(void)sig;
	g_usr1++;
}

/* A child blocked in a call (mode 0 nanosleep, 1 sigsuspend, 2 select on a pipe) is stopped
 * and continued: the call goes on as if nothing happened (a stop may also come before the
 * child is in the call: the result is the same). */
static void blocked_calls(int mode)
{
	static const char *const names[] = {"nanosleep", "sigsuspend", "select"};
	int ready[2], data[2], st;
	pipe(ready);
	pipe(data);
	pid_t c = fork();
	if (c == 0) {
		setpgid(0, 0);
		signal(SIGUSR1, on_usr1);
		sigset_t m, none;
		sigemptyset(&m);
		sigemptyset(&none);
		sigaddset(&m, SIGUSR1);
		sigprocmask(SIG_BLOCK, &m, NULL); /* until the child waits for it */
		close(ready[0]);
		write(ready[1], "r", 1);
		int code = 0;
		if (mode == 0) {
			struct timespec ts = {0, 200000000}, rem = {0, 0};
			int r = nanosleep(&ts, &rem);
			code = r == 0 ? 10 : 20 + errno;
		} else if (mode == 1) {
			int r = sigsuspend(&none);
			code = r == -1 && errno == EINTR && g_usr1 == 1 ? 11 : 30 + g_usr1;
		} else {
			fd_set in;
			FD_ZERO(&in);
			FD_SET(data[0], &in);
			struct timeval tv = {30, 0};
			int r = select(data[0] + 1, &in, NULL, NULL, &tv);
			code = r == 1 && FD_ISSET(data[0], &in) ? 12 : r < 0 ? 40 + errno : 60 + r;
		}
		_exit(code);
	}
	setpgid(c, c);
	char ch;
	close(ready[1]);
	read(ready[0], &ch, 1);
	kill(c, SIGSTOP);
	waitpid(c, &st, WUNTRACED);
	int stopped = WIFSTOPPED(st);
	kill(c, SIGCONT);
	if (mode == 1) {
		waitpid(c, &st, WCONTINUED);
		kill(c, SIGUSR1);
	} else if (mode == 2) {
		write(data[1], "d", 1);
	}
	waitpid(c, &st, 0);
	printf("%s across a stop (%s) and a continue: exit %d\n", names[mode],
	       stopped ? "stopped" : "not stopped", WIFEXITED(st) ? WEXITSTATUS(st) : -1);
	close(ready[0]);
	close(data[0]);
	close(data[1]);
}

static int g_tpipe[2];
static void *thread_reader(void *arg)
{
	(void)arg;
	char ch = 0;
	read(g_tpipe[0], &ch, 1);
	return (void *)(intptr_t)ch;
}

/* A process of two threads: a stop signal stops both, one report; SIGCONT both again. */
static void threads(void)
{
	int ready[2], st;
	pipe(ready);
	pipe(g_tpipe);
	pid_t c = fork();
	if (c == 0) {
		setpgid(0, 0);
		pthread_t th;
		pthread_create(&th, NULL, thread_reader, NULL);
		write(ready[1], "r", 1);
		char ch = 0;
		read(g_tpipe[0], &ch, 1); /* the main thread waits too */
		void *v;
		pthread_join(th, &v);
		_exit(ch + (int)(intptr_t)v);
	}
	setpgid(c, c);
	char ch;
	read(ready[0], &ch, 1);
	kill(c, SIGSTOP);
	show("two threads: SIGSTOP", c, wp(c, WUNTRACED));
	show("two threads: one report only", 0, wp(c, WUNTRACED | WNOHANG));
	kill(c, SIGCONT);
	show("two threads: SIGCONT", c, wp(c, WCONTINUED));
	write(g_tpipe[1], "\x03\x04", 2);
	show("two threads: both read", c, wp(c, 0));
	close(ready[0]);
	close(ready[1]);
	close(g_tpipe[0]);
	close(g_tpipe[1]);
}

int main(void)
{
	guest_init();
	struct sigaction sa;
	memset(&sa, 0, sizeof sa);
	sa.sa_sigaction = on_chld;
	sa.sa_flags = SA_SIGINFO | SA_RESTART;
	sigaction(SIGCHLD, &sa, NULL);

	basic_stop_continue();
	kill_stopped();
	with_waitid();
	nocldstop();
	discard("SIGCONT discards a pending stop signal", SIGTSTP, SIGCONT);
	discard("a stop signal discards a pending SIGCONT", SIGCONT, SIGTSTP);
	for (int m = 0; m < 3; m++)
		blocked_calls(m);
	threads();
	int st;
	printf("no child left: %s\n", errname(waitpid(-1, &st, WNOHANG) < 0 ? errno : 0));
	return 0;
}
