/*
 * Signals to a multithreaded process: kill(2) reaches the process, not one thread. It waits
 * in the process-wide pending set (sigpending shows it in every thread) until a thread that
 * does not block it takes it: a thread in sigwait, one that unblocks it (sigsuspend), the
 * main thread first when it can take it, the thread whose id kill(2) was given. tgkill
 * stays with its thread. rt_sigtimedwait in a thread, with and without a timeout. SIGCHLD
 * to a process whose main thread blocks it and a worker waits for it; a child whose
 * forking thread exits stays the process's child. Threads hand over with pipes, never
 * sleeps, so every step happens in one order.
 * Authoritative golden: both.
 */
#include "guestutil.h"
#include <pthread.h>
#include <sys/wait.h>

static pid_t main_tid;
static int ready[2], go[2];
static volatile pid_t handler_tid;
static volatile int handler_sig;

static pid_t gettid_(void)
{
	return (pid_t)syscall(SYS_gettid);
}

static void handler(int sig)
{
	handler_sig = sig;
	handler_tid = gettid_();
}

static void say_ready(void)
{
	char c = 'r';
	if (write(ready[1], &c, 1) != 1)
		printf("write ready failed\n");
}

static void wait_ready(void)
{
	char c;
	if (read(ready[0], &c, 1) != 1)
		printf("read ready failed\n");
}

static void say_go(void)
{
	char c = 'g';
	if (write(go[1], &c, 1) != 1)
		printf("write go failed\n");
}

static void wait_go(void)
{
	char c;
	if (read(go[0], &c, 1) != 1)
		printf("read go failed\n");
}

static const char *who(pid_t tid)
{
	return tid == main_tid ? "main" : tid == 0 ? "nobody" : "worker";
}

static int has(int sig)
{
	sigset_t p;
	sigpending(&p);
	return sigismember(&p, sig);
}

static void block(int sig)
{
	sigset_t s;
	sigemptyset(&s);
	sigaddset(&s, sig);
	pthread_sigmask(SIG_BLOCK, &s, NULL);
}

/* 1: every thread blocks SIGUSR1; a worker takes it with sigwait */
static void *sigwait_worker(void *arg)
{
	(void)arg;
	printf("worker: SIGUSR1 pending in the process %d\n", has(SIGUSR1));
	sigset_t s;
	sigemptyset(&s);
	sigaddset(&s, SIGUSR1);
	int sig = 0;
	int r = sigwait(&s, &sig);
	printf("worker: sigwait %d sig %s, pending now %d\n", r, sig == SIGUSR1 ? "SIGUSR1" : "?",
	       has(SIGUSR1));
	/* a second one, sent while this thread waits */
	say_ready();
	siginfo_t si;
	sig = sigwaitinfo(&s, &si);
	printf("worker: sigwaitinfo %s code %d from own pid %d\n", sig == SIGUSR1 ? "SIGUSR1" : "?",
	       si.si_code, si.si_pid == getpid());
	return NULL;
}

/* 2: the worker blocks SIGUSR2 too, then lets it in with sigsuspend */
static void *suspend_worker(void *arg)
{
	(void)arg;
	sigset_t none;
	sigemptyset(&none);
	say_ready();
	wait_go(); /* the signal is pending by now, for the process */
	printf("worker: SIGUSR2 pending before sigsuspend %d\n", has(SIGUSR2));
	int r = sigsuspend(&none);
	printf("worker: sigsuspend %d %s, handler ran in %s for %s\n", r, errname(errno),
	       who(handler_tid), handler_sig == SIGUSR2 ? "SIGUSR2" : "?");
	return NULL;
}

/* 3: tgkill to a thread that blocks the signal: pending for that thread only */
static pid_t worker_tid;
static void *tgkill_worker(void *arg)
{
	(void)arg;
	worker_tid = gettid_();
	say_ready();
	wait_go();
	printf("worker: SIGUSR2 pending for this thread %d\n", has(SIGUSR2));
	sigset_t s;
	sigemptyset(&s);
	sigaddset(&s, SIGUSR2);
	siginfo_t si;
	/* the system call itself: glibc's sigwaitinfo shows SI_TKILL as SI_USER */
	int sig = (int)syscall(SYS_rt_sigtimedwait, &s, &si, NULL, 8);
	printf("worker: took %s code %d\n", sig == SIGUSR2 ? "SIGUSR2" : "?", si.si_code);
	return NULL;
}

/* 4: rt_sigtimedwait in a thread: a timeout with nothing sent, then a real-time signal */
static void *timedwait_worker(void *arg)
{
	(void)arg;
	sigset_t s;
	sigemptyset(&s);
	sigaddset(&s, SIGRTMIN + 1);
	struct timespec ts = {0, 20000000};
	siginfo_t si;
	int r = sigtimedwait(&s, &si, &ts);
	printf("worker: sigtimedwait with nothing sent: %d %s\n", r, errname(errno));
	say_ready();
	ts.tv_sec = 30;
	r = sigtimedwait(&s, &si, &ts);
	printf("worker: sigtimedwait %s value %d\n", r == SIGRTMIN + 1 ? "SIGRTMIN+1" : "?",
	       si.si_value.sival_int);
	return NULL;
}

/* 5: SIGCHLD: the main thread blocks it, a worker waits for it */
static void *sigchld_worker(void *arg)
{
	(void)arg;
	sigset_t s;
	sigemptyset(&s);
	sigaddset(&s, SIGCHLD);
	siginfo_t si;
	say_ready();
	int sig = sigwaitinfo(&s, &si);
	printf("worker: %s code %s status %d\n", sig == SIGCHLD ? "SIGCHLD" : "?",
	       si.si_code == CLD_EXITED ? "CLD_EXITED" : "?", si.si_status);
	int st;
	pid_t w = waitpid(si.si_pid, &st, 0);
	printf("worker: waitpid for the main thread's child %d, exit %d\n", w == si.si_pid,
	       WEXITSTATUS(st));
	return NULL;
}

/* 7: kill to a thread's id: the process's signal, that thread asked first */
static void *killtid_worker(void *arg)
{
	(void)arg;
	worker_tid = gettid_();
	sigset_t m;
	sigemptyset(&m);
	sigaddset(&m, SIGUSR2);
	pthread_sigmask(SIG_UNBLOCK, &m, NULL);
	say_ready();
	wait_go(); /* SA_RESTART: the read goes on after the handler */
	printf("worker: kill(tid) ran the handler in %s\n", who(handler_tid));
	return NULL;
}

/* 6: a thread forks, then exits: its child stays the process's */
static pid_t orphan;
static void *forking_worker(void *arg)
{
	(void)arg;
	pid_t parent = getpid();
	fflush(stdout);
	orphan = fork();
	if (orphan == 0) {
		wait_go(); /* after the thread that forked has gone */
		_exit(getppid() == parent ? 5 : 6);
	}
	return NULL;
}

int main(void)
{
	guest_init();
	main_tid = gettid_();
	if (pipe(ready) || pipe(go))
		return 1;
	struct sigaction sa;
	memset(&sa, 0, sizeof sa);
	sa.sa_handler = handler;
	sa.sa_flags = SA_RESTART;
	sigaction(SIGUSR1, &sa, NULL);
	sigaction(SIGUSR2, &sa, NULL);
	pthread_t th;

	/* 1 */
	block(SIGUSR1);
	kill(getpid(), SIGUSR1);
	printf("main: SIGUSR1 pending %d, handler ran %d\n", has(SIGUSR1), handler_sig != 0);
	pthread_create(&th, NULL, sigwait_worker, NULL);
	wait_ready();
	kill(getpid(), SIGUSR1);
	pthread_join(th, NULL);
	printf("main: SIGUSR1 pending after the worker %d, handler ran %d\n", has(SIGUSR1),
	       handler_sig != 0);

	/* 2 */
	block(SIGUSR2);
	pthread_create(&th, NULL, suspend_worker, NULL);
	wait_ready();
	kill(getpid(), SIGUSR2);
	printf("main: SIGUSR2 pending %d\n", has(SIGUSR2));
	say_go();
	pthread_join(th, NULL);
	printf("main: SIGUSR2 pending after the worker %d\n", has(SIGUSR2));

	/* the main thread can take it: it does, not the worker (which blocks it) */
	handler_tid = 0;
	pthread_create(&th, NULL, suspend_worker, NULL);
	wait_ready();
	sigset_t m;
	sigemptyset(&m);
	sigaddset(&m, SIGUSR2);
	pthread_sigmask(SIG_UNBLOCK, &m, NULL);
	fflush(stdout);
	pid_t c = fork();
	if (c == 0) {
		kill(getppid(), SIGUSR2);
		_exit(0);
	}
	int st;
	waitpid(c, &st, 0);
	printf("main: a child's SIGUSR2 ran the handler in %s\n", who(handler_tid));
	handler_tid = 0;
	block(SIGUSR2);
	kill(getpid(), SIGUSR2); /* now for the worker, once it lets it in */
	say_go();
	pthread_join(th, NULL);

	/* 3 */
	pthread_create(&th, NULL, tgkill_worker, NULL);
	wait_ready();
	syscall(SYS_tgkill, getpid(), worker_tid, SIGUSR2);
	printf("main: SIGUSR2 pending for the main thread %d\n", has(SIGUSR2));
	say_go();
	pthread_join(th, NULL);

	/* 4 */
	block(SIGRTMIN + 1);
	pthread_create(&th, NULL, timedwait_worker, NULL);
	wait_ready();
	union sigval v = {.sival_int = 42};
	sigqueue(getpid(), SIGRTMIN + 1, v);
	pthread_join(th, NULL);

	/* 5 */
	block(SIGCHLD);
	pthread_create(&th, NULL, sigchld_worker, NULL);
	wait_ready();
	fflush(stdout);
	c = fork();
	if (c == 0)
		_exit(3);
	pthread_join(th, NULL);

	/* 6 */
	pthread_create(&th, NULL, forking_worker, NULL);
	pthread_join(th, NULL);
	say_go();
	pid_t w = waitpid(orphan, &st, 0);
	printf("main: child of an exited thread: waitpid %d, parent kept %d\n", w == orphan,
	       WEXITSTATUS(st) == 5);

	/* 7 */
	handler_tid = 0;
	pthread_create(&th, NULL, killtid_worker, NULL);
	wait_ready();
	pthread_sigmask(SIG_UNBLOCK, &m, NULL);
	printf("main: kill(worker tid) %d\n", kill(worker_tid, SIGUSR2));
	say_go();
	pthread_join(th, NULL);
	return 0;
}
