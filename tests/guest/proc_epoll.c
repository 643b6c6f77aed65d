/*
 * epoll on pipes: epoll_create/epoll_create1 (EPOLL_CLOEXEC), epoll_ctl's errors (EBADF,
 * EINVAL, EPERM for a regular file, a directory and /dev/null, EEXIST, ENOENT, ELOOP,
 * EFAULT, EPOLLEXCLUSIVE's rules), level-triggered reports and the order of the ready
 * list, EPOLLET (a new write is a new edge), EPOLLONESHOT and its re-arming, EPOLLOUT,
 * EPOLLHUP and EPOLLERR, an item going with the last descriptor of its file (not with a
 * dup'ed one), nested instances, poll on an epoll descriptor (waiting for it too),
 * blocking until another process writes, timeouts (epoll_wait, epoll_pwait2), EINTR from a
 * signal, and epoll_wait's own errors. The i386 struct epoll_event is packed (12 bytes).
 * Authoritative golden: both.
 */
#include "guestutil.h"
#include <poll.h>
#include <sys/epoll.h>
#include <sys/time.h>
#include <sys/wait.h>

static const char *evname(uint32_t e)
{
	static char buf[96];
	static const struct {
		uint32_t bit;
		const char *name;
	} n[] = {{EPOLLIN, "IN"},	{EPOLLPRI, "PRI"},	   {EPOLLOUT, "OUT"},
		 {EPOLLERR, "ERR"},	{EPOLLHUP, "HUP"},	   {EPOLLRDNORM, "RDNORM"},
		 {EPOLLRDBAND, "RDBAND"}, {EPOLLWRNORM, "WRNORM"}, {EPOLLWRBAND, "WRBAND"},
		 {EPOLLRDHUP, "RDHUP"}};
	buf[0] = 0;
	for (size_t i = 0; i < sizeof n / sizeof n[0]; i++)
		if (e & n[i].bit) {
			if (buf[0])
				strcat(buf, "|");
			strcat(buf, n[i].name);
			e &= ~n[i].bit;
		}
	if (e)
		sprintf(buf + strlen(buf), "%s%#x", buf[0] ? "|" : "", e);
	return buf[0] ? buf : "0";
}

static void ctl(const char *what, int ep, int op, int fd, uint32_t events, uint64_t data)
{
	struct epoll_event ev = {.events = events, .data.u64 = data};
	int r = epoll_ctl(ep, op, fd, &ev);
	printf("%s: %s\n", what, r == 0 ? "ok" : errname(errno));
}

static void wait_show(const char *what, int ep, int max, int ms)
{
	struct epoll_event ev[8];
	int n = epoll_wait(ep, ev, max, ms);
	if (n < 0) {
		printf("%s: -1 %s\n", what, errname(errno));
		return;
	}
	printf("%s: %d", what, n);
	for (int i = 0; i < n; i++)
		printf(" [%s data %llu]", evname(ev[i].events), (unsigned long long)ev[i].data.u64);
	printf("\n");
}

static void on_alarm(int sig)
{
	(void)sig;
}

int main(int argc, char **argv)
{
	(void)argc;
	guest_init();
	printf("sizeof(struct epoll_event) %zu\n", sizeof(struct epoll_event));

	/* creation */
	printf("epoll_create(0): %s\n", epoll_create(0) < 0 ? errname(errno) : "ok");
	printf("epoll_create1(1): %s\n", epoll_create1(1) < 0 ? errname(errno) : "ok");
	int ep = epoll_create(1);
	int epc = epoll_create1(EPOLL_CLOEXEC);
	printf("epoll_create1(EPOLL_CLOEXEC): FD_CLOEXEC %d, epoll_create: %d\n",
	       fcntl(epc, F_GETFD) & FD_CLOEXEC, fcntl(ep, F_GETFD) & FD_CLOEXEC);
	char ch;
	printf("read on an epoll descriptor: %s\n",
	       read(ep, &ch, 1) < 0 ? errname(errno) : "ok");

	/* epoll_ctl's errors */
	int p[2], q[2], w[2];
	pipe(p);
	pipe(q);
	pipe(w);
	int reg = open(argv[0], O_RDONLY);
	int dir = open("/", O_RDONLY | O_DIRECTORY);
	int null = open("/dev/null", O_RDWR);
	ctl("ADD a regular file", ep, EPOLL_CTL_ADD, reg, EPOLLIN, 0);
	ctl("ADD a directory", ep, EPOLL_CTL_ADD, dir, EPOLLIN, 0);
	ctl("ADD /dev/null", ep, EPOLL_CTL_ADD, null, EPOLLIN, 0);
	ctl("ADD to itself", ep, EPOLL_CTL_ADD, ep, EPOLLIN, 0);
	ctl("ADD with a pipe as the epoll descriptor", p[0], EPOLL_CTL_ADD, q[0], EPOLLIN, 0);
	ctl("ADD a bad descriptor", ep, EPOLL_CTL_ADD, 999, EPOLLIN, 0);
	ctl("ADD to a bad descriptor", 999, EPOLL_CTL_ADD, p[0], EPOLLIN, 0);
	ctl("DEL what is not there", ep, EPOLL_CTL_DEL, p[0], 0, 0);
	ctl("MOD what is not there", ep, EPOLL_CTL_MOD, p[0], EPOLLIN, 0);
	ctl("op 7", ep, 7, p[0], EPOLLIN, 0);
	printf("ADD with an unreadable event: %s\n",
	       epoll_ctl(ep, EPOLL_CTL_ADD, p[0], (struct epoll_event *)8) < 0 ? errname(errno)
									    : "ok");
	ctl("ADD EPOLLEXCLUSIVE|EPOLLPRI", ep, EPOLL_CTL_ADD, p[0], EPOLLEXCLUSIVE | EPOLLPRI, 0);
	ctl("ADD EPOLLEXCLUSIVE|EPOLLIN", epc, EPOLL_CTL_ADD, p[0], EPOLLEXCLUSIVE | EPOLLIN, 0);
	ctl("MOD an EPOLLEXCLUSIVE item", epc, EPOLL_CTL_MOD, p[0], EPOLLIN, 0);
	ctl("MOD with EPOLLEXCLUSIVE", epc, EPOLL_CTL_MOD, p[0], EPOLLEXCLUSIVE | EPOLLIN, 0);
	ctl("DEL it (no event needed)", epc, EPOLL_CTL_DEL, p[0], 0, 0);
	printf("DEL with a NULL event: %s\n",
	       epoll_ctl(epc, EPOLL_CTL_DEL, p[0], NULL) < 0 ? errname(errno) : "ok");

	/* level-triggered, and the ready list's order */
	ctl("ADD p[0] IN (data 1)", ep, EPOLL_CTL_ADD, p[0], EPOLLIN, 1);
	ctl("ADD p[0] again", ep, EPOLL_CTL_ADD, p[0], EPOLLIN, 1);
	wait_show("LT, empty pipe, timeout 0", ep, 8, 0);
	write(p[1], "ab", 2);
	wait_show("LT, after a write", ep, 8, 0);
	wait_show("LT, again (still readable)", ep, 8, 0);
	ctl("ADD q[0] IN (data 2)", ep, EPOLL_CTL_ADD, q[0], EPOLLIN, 2);
	write(q[1], "c", 1);
	wait_show("LT, two ready, one at a time", ep, 1, 0);
	wait_show("LT, the next one", ep, 1, 0);
	wait_show("LT, round again", ep, 1, 0);
	wait_show("LT, both", ep, 8, 0);
	read(p[0], &ch, 1);
	read(p[0], &ch, 1);
	read(q[0], &ch, 1);
	wait_show("LT, both drained", ep, 8, 0);
	ctl("DEL q[0]", ep, EPOLL_CTL_DEL, q[0], 0, 0);

	/* edge-triggered */
	ctl("MOD p[0] IN|ET (data 3)", ep, EPOLL_CTL_MOD, p[0], EPOLLIN | EPOLLET, 3);
	wait_show("ET, empty", ep, 8, 0);
	write(p[1], "a", 1);
	wait_show("ET, after a write", ep, 8, 0);
	wait_show("ET, again (no new edge)", ep, 8, 0);
	write(p[1], "b", 1);
	wait_show("ET, another write (a new edge)", ep, 8, 0);
	read(p[0], &ch, 1);
	wait_show("ET, partly read", ep, 8, 0);
	ctl("MOD p[0] IN|ET again", ep, EPOLL_CTL_MOD, p[0], EPOLLIN | EPOLLET, 3);
	wait_show("ET, after MOD (readable: reported)", ep, 8, 0);
	read(p[0], &ch, 1);

	/* one-shot */
	ctl("MOD p[0] IN|ONESHOT (data 4)", ep, EPOLL_CTL_MOD, p[0], EPOLLIN | EPOLLONESHOT, 4);
	write(p[1], "a", 1);
	wait_show("ONESHOT, after a write", ep, 8, 0);
	wait_show("ONESHOT, disarmed", ep, 8, 0);
	write(p[1], "b", 1);
	wait_show("ONESHOT, disarmed, another write", ep, 8, 0);
	ctl("MOD to re-arm", ep, EPOLL_CTL_MOD, p[0], EPOLLIN | EPOLLONESHOT, 5);
	wait_show("ONESHOT, re-armed", ep, 8, 0);
	read(p[0], &ch, 1);
	read(p[0], &ch, 1);
	ctl("DEL p[0]", ep, EPOLL_CTL_DEL, p[0], 0, 0);

	/* EPOLLOUT on a write end: a full pipe is not writable */
	ctl("ADD w[1] OUT (data 6)", ep, EPOLL_CTL_ADD, w[1], EPOLLOUT, 6);
	wait_show("OUT, empty pipe", ep, 8, 0);
	fcntl(w[1], F_SETFL, O_NONBLOCK);
	static char big[4096];
	long filled = 0;
	ssize_t k;
	while ((k = write(w[1], big, sizeof big)) > 0)
		filled += k;
	printf("filled %ld bytes\n", filled);
	wait_show("OUT, full pipe", ep, 8, 0);
	read(w[0], big, sizeof big);
	wait_show("OUT, a page read", ep, 8, 0);
	close(w[0]);
	wait_show("OUT, no reader left", ep, 8, 0);
	ctl("DEL w[1]", ep, EPOLL_CTL_DEL, w[1], 0, 0);
	close(w[1]);

	/* EPOLLHUP: no writer left */
	ctl("ADD q[0] IN (data 7)", ep, EPOLL_CTL_ADD, q[0], EPOLLIN, 7);
	write(q[1], "z", 1);
	close(q[1]);
	wait_show("HUP with data", ep, 8, 0);
	read(q[0], &ch, 1);
	wait_show("HUP, drained", ep, 8, 0);
	ctl("MOD q[0] OUT only", ep, EPOLL_CTL_MOD, q[0], EPOLLOUT, 8);
	wait_show("HUP is always reported", ep, 8, 0);
	close(q[0]);
	wait_show("the item went with the last descriptor", ep, 8, 0);

	/* a dup keeps the file, and the item, alive */
	pipe(q);
	ctl("ADD q[0] IN (data 9)", ep, EPOLL_CTL_ADD, q[0], EPOLLIN, 9);
	int d = dup(q[0]);
	close(q[0]);
	write(q[1], "y", 1);
	wait_show("closed, but a dup is open", ep, 8, 0);
	ctl("DEL by the closed descriptor", ep, EPOLL_CTL_DEL, q[0], 0, 0);
	ctl("DEL by the dup", ep, EPOLL_CTL_DEL, d, 0, 0);
	close(d);
	wait_show("the dup closed too", ep, 8, 0);
	close(q[1]);

	/* nested instances */
	int inner = epoll_create1(0);
	pipe(q);
	ctl("inner: ADD q[0]", inner, EPOLL_CTL_ADD, q[0], EPOLLIN, 10);
	ctl("outer: ADD inner", ep, EPOLL_CTL_ADD, inner, EPOLLIN, 11);
	ctl("inner: ADD outer (a loop)", inner, EPOLL_CTL_ADD, ep, EPOLLIN, 12);
	ctl("outer: ADD inner with EPOLLEXCLUSIVE", epc, EPOLL_CTL_ADD, inner,
	    EPOLLIN | EPOLLEXCLUSIVE, 0);
	wait_show("nested, nothing", ep, 8, 0);
	write(q[1], "n", 1);
	wait_show("nested, outer", ep, 8, 0);
	struct pollfd pf = {inner, POLLIN, 0};
	int pr = poll(&pf, 1, 0);
	printf("poll on the inner epoll: %d revents %s\n", pr, evname((uint16_t)pf.revents));
	wait_show("nested, inner", inner, 8, 0);
	read(q[0], &ch, 1);
	wait_show("nested, drained", ep, 8, 0);
	ctl("outer: DEL inner", ep, EPOLL_CTL_DEL, inner, 0, 0);

	/* blocking until another process writes; timeouts; a signal */
	ctl("ADD q[0] IN (data 13)", ep, EPOLL_CTL_ADD, q[0], EPOLLIN, 13);
	pid_t c = fork();
	if (c == 0) {
		nanosleep(&(struct timespec){0, 100000000}, NULL);
		write(q[1], "x", 1);
		_exit(0);
	}
	wait_show("blocks until the child writes", ep, 8, -1);
	int st;
	waitpid(c, &st, 0);
	read(q[0], &ch, 1);
	wait_show("timeout 50 ms", ep, 8, 50);
	/* poll on the epoll descriptor itself waits for its items' files */
	c = fork();
	if (c == 0) {
		nanosleep(&(struct timespec){0, 100000000}, NULL);
		write(q[1], "x", 1);
		_exit(0);
	}
	struct pollfd epf = {ep, POLLIN, 0};
	int pr2 = poll(&epf, 1, 5000);
	printf("poll on the epoll descriptor, until the child writes: %d revents %s\n", pr2,
	       evname((uint16_t)epf.revents));
	waitpid(c, &st, 0);
	read(q[0], &ch, 1);
	struct epoll_event evs[4];
	struct timespec ts = {0, 30000000};
	int r = epoll_pwait2(ep, evs, 4, &ts, NULL);
	printf("epoll_pwait2, timeout 30 ms: %d\n", r < 0 ? -errno : r);
	sigset_t none;
	sigemptyset(&none);
	r = epoll_pwait(ep, evs, 4, 20, &none);
	printf("epoll_pwait, timeout 20 ms: %d\n", r < 0 ? -errno : r);
	struct sigaction sa;
	memset(&sa, 0, sizeof sa);
	sa.sa_handler = on_alarm;
	sa.sa_flags = SA_RESTART; /* epoll_wait is not restarted all the same */
	sigaction(SIGALRM, &sa, NULL);
	struct itimerval it = {{0, 0}, {0, 50000}};
	setitimer(ITIMER_REAL, &it, NULL);
	wait_show("a signal during the wait", ep, 8, -1);

	/* epoll_wait's own errors */
	wait_show("maxevents 0", ep, 0, 0);
	wait_show("a pipe as the epoll descriptor", q[0], 8, 0);
	wait_show("a bad descriptor", 999, 8, 0);
	r = epoll_wait(ep, (struct epoll_event *)0xc0000000u, 1, 0);
	printf("events in kernel space: %s\n", r < 0 ? errname(errno) : "ok");
	return 0;
}
