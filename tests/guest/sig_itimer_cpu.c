/*
 * The CPU-time interval timers: ITIMER_VIRTUAL (SIGVTALRM) and ITIMER_PROF (SIGPROF) count
 * the process's CPU time, not sleeps; setitimer adds one tick (4 ms at HZ=250) to a value,
 * so getitimer right after reads more than was set; the old value comes back; an interval
 * re-arms; a child does not inherit them; bad arguments are EINVAL.
 * Golden: the real i386 kernel (the values printed are booleans and counts that do not
 * depend on the speed of the machine).
 */
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/time.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

static volatile sig_atomic_t vt, prof;
static volatile unsigned long spin_sink;

static void on_vt(int s)
{
	(void)s;
	vt++;
}

static void on_prof(int s)
{
	(void)s;
	prof++;
}

static long usec(const struct timeval *t)
{
	return t->tv_sec * 1000000L + t->tv_usec;
}

int main(void)
{
	signal(SIGVTALRM, on_vt);
	signal(SIGPROF, on_prof);
	struct itimerval it = {{0, 0}, {0, 10000}}, old, cur;
	setitimer(ITIMER_VIRTUAL, &it, NULL);
	getitimer(ITIMER_VIRTUAL, &cur);
	printf("VIRTUAL 10 ms: getitimer reads more than 10 ms, at most 14 ms: %s, interval %ld\n",
	       usec(&cur.it_value) > 10000 && usec(&cur.it_value) <= 14000 ? "yes" : "no",
	       usec(&cur.it_interval));
	struct timespec nap = {0, 100 * 1000 * 1000};
	nanosleep(&nap, NULL);
	printf("after a 100 ms sleep: %d SIGVTALRM, still armed: %s\n", (int)vt,
	       getitimer(ITIMER_VIRTUAL, &cur) == 0 && usec(&cur.it_value) > 0 ? "yes" : "no");
	while (!vt)
		spin_sink++;
	getitimer(ITIMER_VIRTUAL, &cur);
	printf("spinning: SIGVTALRM %d, then disarmed: %s\n", (int)vt, usec(&cur.it_value) == 0 ? "yes" : "no");

	struct itimerval rep = {{0, 5000}, {0, 5000}};
	setitimer(ITIMER_PROF, &rep, NULL);
	while (prof < 3)
		spin_sink++;
	struct itimerval off = {{0, 0}, {0, 0}};
	setitimer(ITIMER_PROF, &off, &old);
	printf("PROF every 5 ms: 3 SIGPROF seen; old value armed %s, old interval %ld\n",
	       usec(&old.it_value) > 0 ? "yes" : "no", usec(&old.it_interval));
	getitimer(ITIMER_PROF, &cur);
	printf("PROF after disarming: %ld %ld\n", usec(&cur.it_value), usec(&cur.it_interval));

	setitimer(ITIMER_VIRTUAL, &(struct itimerval){{0, 0}, {5, 0}}, NULL);
	pid_t pid = fork();
	if (pid == 0) {
		struct itimerval c;
		getitimer(ITIMER_VIRTUAL, &c);
		_exit(usec(&c.it_value) == 0 ? 0 : 1);
	}
	int st;
	waitpid(pid, &st, 0);
	printf("the child's ITIMER_VIRTUAL is off: %s\n", WIFEXITED(st) && WEXITSTATUS(st) == 0 ? "yes" : "no");
	getitimer(ITIMER_VIRTUAL, &cur);
	printf("the parent's is still armed: %s\n", usec(&cur.it_value) > 4000000 ? "yes" : "no");

	int r = setitimer(3, &it, NULL);
	printf("setitimer(3): %d %s\n", r, strerror(errno));
	struct itimerval bad = {{0, 0}, {0, 1000000}};
	r = setitimer(ITIMER_PROF, &bad, NULL);
	printf("tv_usec 1000000: %d %s\n", r, strerror(errno));
	r = getitimer(5, &cur);
	printf("getitimer(5): %d %s\n", r, strerror(errno));
	return 0;
}
