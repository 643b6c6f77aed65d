/*
 * poll, ppoll, select and pselect on pipes between processes: nothing ready times out (the
 * time passes on the clock), a child's write makes the read end ready, a closed write end
 * gives POLLHUP, a full pipe is not writable until the reader drains it, a bad descriptor
 * is POLLNVAL for poll and EBADF for select, a signal ends the wait with EINTR.
 * Authoritative golden: both.
 */
#include "guestutil.h"
#include <poll.h>
#include <sys/select.h>
#include <sys/wait.h>
#include <time.h>

static void on_usr1(int sig)
{
	(void)sig;
}

static long ms_since(const struct timespec *a)
{
	struct timespec b;
	clock_gettime(CLOCK_MONOTONIC, &b);
	return (b.tv_sec - a->tv_sec) * 1000 + (b.tv_nsec - a->tv_nsec) / 1000000;
}

int main(void)
{
	guest_init();
	int p[2];
	pipe(p);
	struct pollfd pf = {.fd = p[0], .events = POLLIN};
	struct timespec t0;
	clock_gettime(CLOCK_MONOTONIC, &t0);
	int r = poll(&pf, 1, 50);
	long ms = ms_since(&t0);
	printf("poll on an empty pipe, 50 ms: %d, revents %#x, waited >= 50 ms: %s\n", r, pf.revents,
	       ms >= 50 ? "yes" : "no");
	printf("poll with timeout 0: %d\n", poll(&pf, 1, 0));

	pid_t c = fork();
	if (c == 0) {
		volatile long x = 0;
		for (long i = 0; i < 3000000; i++)
			x += i;
		write(p[1], "hi", 2);
		_exit(0);
	}
	pf.revents = 0;
	r = poll(&pf, 1, -1);
	printf("poll until the child writes: %d, POLLIN %s\n", r, pf.revents & POLLIN ? "yes" : "no");
	char buf[8];
	read(p[0], buf, sizeof buf);
	waitpid(c, NULL, 0);
	close(p[1]);
	r = poll(&pf, 1, -1);
	printf("write end closed: %d, POLLHUP %s\n", r, pf.revents & POLLHUP ? "yes" : "no");
	close(p[0]);

	struct pollfd bad[2] = {{.fd = 99, .events = POLLIN}, {.fd = -1, .events = POLLIN}};
	r = poll(bad, 2, 0);
	printf("bad fd: %d, revents %#x and %#x\n", r, bad[0].revents, bad[1].revents);

	/* select: a full pipe is not writable until a child drains it */
	pipe(p);
	fcntl(p[1], F_SETFL, O_NONBLOCK);
	static char chunk[4096];
	while (write(p[1], chunk, sizeof chunk) > 0)
		;
	fd_set w;
	FD_ZERO(&w);
	FD_SET(p[1], &w);
	struct timeval tv = {0, 20000};
	r = select(p[1] + 1, NULL, &w, NULL, &tv);
	printf("select on a full pipe, 20 ms: %d, time left %ld us\n", r, (long)tv.tv_usec);
	c = fork();
	if (c == 0) {
		static char big[65536];
		read(p[0], big, sizeof big);
		_exit(0);
	}
	FD_ZERO(&w);
	FD_SET(p[1], &w);
	r = select(p[1] + 1, NULL, &w, NULL, NULL);
	printf("select once the child read: %d, writable %d\n", r, FD_ISSET(p[1], &w));
	waitpid(c, NULL, 0);
	fd_set rs;
	FD_ZERO(&rs);
	FD_SET(20, &rs);
	tv.tv_sec = 0;
	tv.tv_usec = 0;
	r = select(21, &rs, NULL, NULL, &tv);
	printf("select on a closed fd: %d %s\n", r, errname(r < 0 ? errno : 0));

	/* a signal from a child ends an endless wait */
	signal(SIGUSR1, on_usr1);
	int q[2];
	pipe(q);
	c = fork();
	if (c == 0) {
		kill(getppid(), SIGUSR1);
		_exit(0);
	}
	pf.fd = q[0];
	pf.events = POLLIN;
	r = poll(&pf, 1, -1);
	printf("poll interrupted: %d %s\n", r, errname(r < 0 ? errno : 0));
	waitpid(c, NULL, 0);
	sigset_t none;
	sigemptyset(&none);
	struct timespec ts = {0, 10000000};
	r = ppoll(&pf, 1, &ts, &none);
	printf("ppoll 10 ms: %d\n", r);
	FD_ZERO(&rs);
	FD_SET(q[0], &rs);
	r = pselect(q[0] + 1, &rs, NULL, NULL, &ts, &none);
	printf("pselect 10 ms: %d\n", r);
	return 0;
}
