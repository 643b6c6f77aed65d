/*
 * Pipes between processes: Linux's 64 KB buffer, a blocking write larger than it completed
 * while the reader drains it, EOF once every write end is closed (the parent's and the
 * child's copies), EPIPE and SIGPIPE once every read end is gone, O_NONBLOCK's EAGAIN.
 * Authoritative golden: both.
 */
#include "guestutil.h"
#include <sys/wait.h>

#define BIG (300 * 1000)

static volatile int g_pipe;
static void on_pipe(int sig)
{
	(void)sig;
	g_pipe++;
}

int main(void)
{
	guest_init();
	int p[2];
	if (pipe(p)) {
		printf("pipe: %s\n", errname(errno));
		return 1;
	}
	printf("F_GETPIPE_SZ: %d\n", fcntl(p[1], F_GETPIPE_SZ));

	/* how much an empty pipe takes without blocking */
	int fl = fcntl(p[1], F_GETFL);
	fcntl(p[1], F_SETFL, fl | O_NONBLOCK);
	static char chunk[4096];
	memset(chunk, 'x', sizeof chunk);
	long total = 0;
	for (;;) {
		ssize_t n = write(p[1], chunk, sizeof chunk);
		if (n < 0) {
			printf("full after %ld bytes: %s\n", total, errname(errno));
			break;
		}
		total += n;
	}
	fcntl(p[1], F_SETFL, fl);
	char rb[65536];
	while (total > 0) {
		ssize_t n = read(p[0], rb, sizeof rb);
		total -= n;
	}

	/* a child reads everything a single big write sends */
	pid_t c = fork();
	if (c == 0) {
		close(p[1]);
		long got = 0, sum = 0, reads = 0;
		for (;;) {
			ssize_t n = read(p[0], rb, sizeof rb);
			if (n <= 0)
				break;
			reads++;
			for (ssize_t i = 0; i < n; i++)
				sum += (unsigned char)rb[i];
			got += n;
		}
		printf("child read %ld bytes, sum %ld, then EOF\n", got, sum);
		_exit(got == BIG ? 0 : 1);
	}
	close(p[0]);
	static char big[BIG];
	for (int i = 0; i < BIG; i++)
		big[i] = (char)(i % 251);
	long sum = 0;
	for (int i = 0; i < BIG; i++)
		sum += (unsigned char)big[i];
	ssize_t w = write(p[1], big, BIG);
	printf("parent wrote %ld bytes in one call (sum %ld)\n", (long)w, sum);
	close(p[1]);
	int st;
	waitpid(c, &st, 0);
	printf("child exit status %d\n", WEXITSTATUS(st));

	/* no reader left: EPIPE and SIGPIPE */
	signal(SIGPIPE, on_pipe);
	pipe(p);
	close(p[0]);
	ssize_t n = write(p[1], "a", 1);
	printf("write without reader: %ld %s, SIGPIPE %d\n", (long)n, errname(errno), g_pipe);
	close(p[1]);

	/* the child's copy of the write end keeps the pipe open until it exits */
	pipe(p);
	c = fork();
	if (c == 0) {
		close(p[0]);
		write(p[1], "late", 4);
		_exit(0);
	}
	close(p[1]);
	char buf[16];
	ssize_t a = read(p[0], buf, sizeof buf);
	ssize_t b = read(p[0], buf, sizeof buf);
	printf("read from the child: %ld bytes, then %ld\n", (long)a, (long)b);
	waitpid(c, &st, 0);

	/* pipe2 with O_NONBLOCK: an empty pipe says EAGAIN */
	pipe2(p, O_NONBLOCK | O_CLOEXEC);
	printf("nonblocking read of an empty pipe: %s\n",
	       errname(read(p[0], buf, 1) < 0 ? errno : 0));
	printf("FD_CLOEXEC: %d\n", fcntl(p[0], F_GETFD));

	/* a pipeline of three processes: each adds one to every byte */
	int p1[2], p2[2];
	pipe(p1);
	pipe(p2);
	pid_t m = fork();
	if (m == 0) {
		close(p1[1]);
		close(p2[0]);
		ssize_t k;
		while ((k = read(p1[0], rb, sizeof rb)) > 0) {
			for (ssize_t i = 0; i < k; i++)
				rb[i]++;
			write(p2[1], rb, (size_t)k);
		}
		_exit(0);
	}
	close(p1[0]);
	close(p2[1]);
	pid_t e = fork();
	if (e == 0) {
		close(p1[1]);
		long cnt = 0, s2 = 0;
		ssize_t k;
		while ((k = read(p2[0], rb, sizeof rb)) > 0) {
			for (ssize_t i = 0; i < k; i++)
				s2 += (unsigned char)rb[i];
			cnt += k;
		}
		printf("pipeline end: %ld bytes, sum %ld\n", cnt, s2);
		_exit(0);
	}
	close(p2[0]);
	memset(big, 1, 100000);
	write(p1[1], big, 100000);
	close(p1[1]);
	waitpid(m, &st, 0);
	waitpid(e, &st, 0);
	printf("done\n");
	return 0;
}
