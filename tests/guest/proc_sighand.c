/*
 * CLONE_SIGHAND: a clone made with it shares the signal handlers with its parent (a
 * sigaction in one is seen by the other), one made without it gets a copy; a thread
 * (CLONE_THREAD, which needs CLONE_SIGHAND) shares them too. Setting a handler to SIG_IGN
 * discards the signal where it is pending in the process's threads, not in another process
 * that shares the handlers. CLONE_SIGHAND without CLONE_VM, and CLONE_THREAD without
 * CLONE_SIGHAND, are EINVAL.
 * Authoritative golden: both.
 */
#include "guestutil.h"
#include <pthread.h>
#include <sched.h>
#include <sys/wait.h>

static void on_usr1(int sig)
{
	(void)sig;
}

static const char *handler_of(int sig)
{
	struct sigaction sa;
	sigaction(sig, NULL, &sa);
	return sa.sa_handler == SIG_DFL ? "SIG_DFL"
	       : sa.sa_handler == SIG_IGN ? "SIG_IGN"
	       : sa.sa_handler == on_usr1 ? "on_usr1"
					    : "?";
}

static int set_handlers(void *arg)
{
	(void)arg;
	signal(SIGUSR1, on_usr1);
	signal(SIGUSR2, SIG_IGN);
	return 0;
}

static void reset(void)
{
	signal(SIGUSR1, SIG_DFL);
	signal(SIGUSR2, SIG_DFL);
}

static int pending_usr2(void)
{
	sigset_t p;
	sigpending(&p);
	return sigismember(&p, SIGUSR2);
}

static char g_stack[65536] __attribute__((aligned(16)));

static void clone_case(const char *what, int flags)
{
	reset();
	sigset_t m;
	sigemptyset(&m);
	sigaddset(&m, SIGUSR2);
	sigprocmask(SIG_BLOCK, &m, NULL);
	raise(SIGUSR2);
	pid_t c = clone(set_handlers, g_stack + sizeof g_stack, flags | SIGCHLD, NULL);
	if (c < 0) {
		printf("%s: clone %s\n", what, errname(errno));
	} else {
		int st;
		waitpid(c, &st, 0);
		printf("%s: the parent sees SIGUSR1 %s, SIGUSR2 %s; its SIGUSR2 %s\n", what,
		       handler_of(SIGUSR1), handler_of(SIGUSR2),
		       pending_usr2() ? "still pending" : "discarded");
	}
	signal(SIGUSR2, SIG_IGN); /* discards it for the next case */
	sigprocmask(SIG_UNBLOCK, &m, NULL);
}

static void *thread_fn(void *arg)
{
	set_handlers(arg);
	return NULL;
}

int main(void)
{
	guest_init();
	clone_case("clone(CLONE_VM)", CLONE_VM);
	clone_case("clone(CLONE_VM|CLONE_SIGHAND)", CLONE_VM | CLONE_SIGHAND);
	clone_case("fork-like clone(0)", 0);
	clone_case("clone(CLONE_SIGHAND) without CLONE_VM", CLONE_SIGHAND);
	clone_case("clone(CLONE_VM|CLONE_THREAD) without CLONE_SIGHAND", CLONE_VM | CLONE_THREAD);

	/* a thread: the same handlers, and SIG_IGN discards the main thread's pending one */
	reset();
	sigset_t m;
	sigemptyset(&m);
	sigaddset(&m, SIGUSR2);
	sigprocmask(SIG_BLOCK, &m, NULL);
	raise(SIGUSR2);
	pthread_t th;
	pthread_create(&th, NULL, thread_fn, NULL);
	pthread_join(th, NULL);
	printf("pthread: the main thread sees SIGUSR1 %s, SIGUSR2 %s; its SIGUSR2 %s\n",
	       handler_of(SIGUSR1), handler_of(SIGUSR2),
	       pending_usr2() ? "still pending" : "discarded");
	return 0;
}
