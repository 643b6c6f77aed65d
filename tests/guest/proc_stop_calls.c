/*
 * A stop ends the blocking calls of every thread of the stopped process, as Linux's group
 * stop wakes them (JOBCTL_STOP_PENDING): a worker thread blocked writing a full pipe leaves
 * write() with the bytes it had written (a short count, after SIGCONT), while the main thread,
 * which took SIGSTOP in read(), reads again after SIGCONT. The parent knows the worker is in
 * write() when the pipe holds a full 64 KB (the call has copied them and waits for room).
 * Authoritative golden: both.
 */
#include "guestutil.h"
#include <pthread.h>
#include <sched.h>
#include <sys/ioctl.h>
#include <sys/wait.h>

#define BIG 70000

static int data[2], hold[2];
static char buf[BIG];
static ssize_t written;

static void *writer(void *arg)
{
	(void)arg;
	written = write(data[1], buf, BIG);
	return NULL;
}

int main(void)
{
	guest_init();
	if (pipe(data) || pipe(hold))
		return 1;
	fflush(stdout);
	pid_t c = fork();
	if (c == 0) {
		close(data[0]);
		close(hold[1]);
		pthread_t th;
		pthread_create(&th, NULL, writer, NULL);
		char b;
		ssize_t r = read(hold[0], &b, 1);
		pthread_join(th, NULL);
		printf("child: read returned %d, the worker's write of %d returned %d\n", (int)r,
		       BIG, (int)written);
		return 0;
	}
	close(data[1]);
	close(hold[0]);
	int n = 0;
	while (ioctl(data[0], FIONREAD, &n) == 0 && n < 65536)
		sched_yield();
	printf("parent: the pipe holds %d bytes\n", n);
	kill(c, SIGSTOP);
	int st;
	waitpid(c, &st, WUNTRACED);
	printf("parent: child stopped %d by %s\n", WIFSTOPPED(st),
	       WSTOPSIG(st) == SIGSTOP ? "SIGSTOP" : "?");
	kill(c, SIGCONT);
	long total = 0;
	for (;;) {
		ssize_t r = read(data[0], buf, sizeof buf);
		if (r <= 0)
			break;
		total += r;
		if (total == 65536 && write(hold[1], "x", 1) != 1)
			printf("parent: write failed\n");
	}
	printf("parent: drained %ld bytes\n", total);
	waitpid(c, &st, 0);
	printf("parent: child exit %d\n", WEXITSTATUS(st));
	return 0;
}
