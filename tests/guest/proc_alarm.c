/*
 * alarm and setitimer(ITIMER_REAL) on the virtual clock: alarm's return value (the seconds
 * left, rounded), pause ended by SIGALRM, a periodic timer firing while the program
 * computes, getitimer, the timer not inherited by fork, a sleep cut short by SIGALRM
 * (EINTR, time left), and SIGALRM's default action at the end.
 * Authoritative golden: both.
 */
#include "guestutil.h"
#include <sys/time.h>
#include <sys/wait.h>
#include <time.h>

static volatile int n;
static void on_alrm(int sig)
{
	(void)sig;
	n++;
}

int main(void)
{
	guest_init();
	struct sigaction sa;
	memset(&sa, 0, sizeof sa);
	sa.sa_handler = on_alrm;
	sigaction(SIGALRM, &sa, NULL);
	printf("alarm(5) -> %u\n", alarm(5));
	printf("alarm(1) -> %u\n", alarm(1));
	pause();
	printf("after pause: %d SIGALRM\n", n);
	printf("alarm(0) with none set -> %u\n", alarm(0));

	struct itimerval it = {{0, 100000}, {0, 100000}}, old;
	setitimer(ITIMER_REAL, &it, NULL);
	while (n < 6) {
		volatile long x = 0;
		for (long i = 0; i < 100000; i++)
			x += i;
	}
	getitimer(ITIMER_REAL, &old);
	printf("periodic: %d SIGALRM, interval %ld us, value left <= interval: %s\n", n,
	       (long)old.it_interval.tv_usec,
	       old.it_value.tv_sec == 0 && old.it_value.tv_usec <= 100000 ? "yes" : "no");
	memset(&it, 0, sizeof it);
	setitimer(ITIMER_REAL, &it, &old);
	getitimer(ITIMER_REAL, &old);
	printf("disarmed: value %ld.%06ld\n", (long)old.it_value.tv_sec, (long)old.it_value.tv_usec);
	it.it_value.tv_usec = 2000000;
	printf("setitimer with 2000000 us: %s\n",
	       errname(setitimer(ITIMER_REAL, &it, NULL) < 0 ? errno : 0));

	alarm(3);
	pid_t c = fork();
	if (c == 0) {
		printf("child: alarm(0) -> %u (not inherited)\n", alarm(0));
		_exit(0);
	}
	waitpid(c, NULL, 0);
	printf("parent: alarm(1) -> %u\n", alarm(1));
	struct timespec req = {5, 0}, rem = {0, 0};
	int r = nanosleep(&req, &rem);
	printf("nanosleep(5 s) with alarm(1): %d %s, about 4 s left: %s\n", r,
	       errname(r < 0 ? errno : 0), rem.tv_sec == 3 || rem.tv_sec == 4 ? "yes" : "no");
	signal(SIGALRM, SIG_DFL);
	alarm(1);
	for (;;)
		;
}
