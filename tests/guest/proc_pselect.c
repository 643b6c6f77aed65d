/*
 * The time left that the raw select calls write back: _newselect updates its timeval,
 * pselect6 and ppoll (and their time64 forms) their timespec, whether a descriptor was
 * ready at once, became ready later, or the timeout passed; a timeout in read-only memory
 * is not written and does not fail the call; a zero timeout stays zero. glibc's wrappers
 * hide the update (they pass a copy), so the calls are made raw. The times are printed by
 * range: a real kernel takes a few microseconds of its timeout.
 * Authoritative golden: both.
 */
#include "guestutil.h"
#include <poll.h>
#include <sys/select.h>
#include <sys/wait.h>

struct ts64 {
	int64_t sec, nsec;
};

static const char *range(int64_t sec, int64_t nsec, int64_t lo_ms, int64_t hi_ms)
{
	static char buf[64];
	int64_t ns = sec * 1000000000ll + nsec;
	if (ns == 0)
		return "0";
	if (ns > lo_ms * 1000000ll && ns <= hi_ms * 1000000ll) {
		snprintf(buf, sizeof buf, "in (%lld ms, %lld ms]", (long long)lo_ms,
			 (long long)hi_ms);
		return buf;
	}
	snprintf(buf, sizeof buf, "out of range (%lld.%09lld)", (long long)sec, (long long)nsec);
	return buf;
}

static void result(const char *what, long r)
{
	if (r < 0)
		printf("%s: -1 %s", what, errname(errno));
	else
		printf("%s: %ld", what, r);
}

/* A child that writes a byte to fd after ms milliseconds. */
static pid_t writer(int fd, int ms)
{
	pid_t c = fork();
	if (c == 0) {
		struct timespec ts = {ms / 1000, (ms % 1000) * 1000000l};
		nanosleep(&ts, NULL);
		write(fd, "x", 1);
		_exit(0);
	}
	return c;
}

int main(void)
{
	guest_init();
	int p[2];
	pipe(p);
	fd_set in;
	char ch;

	/* ready at once */
	write(p[1], "a", 1);
	FD_ZERO(&in);
	FD_SET(p[0], &in);
	struct timespec ts = {5, 0};
	long r = syscall(SYS_pselect6, p[0] + 1, &in, NULL, NULL, &ts, NULL);
	result("pselect6, ready at once", r);
	printf(", left %s\n", range(ts.tv_sec, ts.tv_nsec, 4900, 5000));

	FD_ZERO(&in);
	FD_SET(p[0], &in);
	struct timeval tv = {3, 0};
	r = syscall(SYS__newselect, p[0] + 1, &in, NULL, NULL, &tv);
	result("_newselect, ready at once", r);
	printf(", left %s\n", range(tv.tv_sec, tv.tv_usec * 1000ll, 2900, 3000));

	struct pollfd pf = {p[0], POLLIN, 0};
	ts = (struct timespec){4, 0};
	r = syscall(SYS_ppoll, &pf, 1, &ts, NULL, 8);
	result("ppoll, ready at once", r);
	printf(", left %s\n", range(ts.tv_sec, ts.tv_nsec, 3900, 4000));

#ifdef SYS_pselect6_time64
	FD_ZERO(&in);
	FD_SET(p[0], &in);
	struct ts64 t64 = {6, 0};
	r = syscall(SYS_pselect6_time64, p[0] + 1, &in, NULL, NULL, &t64, NULL);
	result("pselect6_time64, ready at once", r);
	printf(", left %s\n", range(t64.sec, t64.nsec, 5900, 6000));
#endif
	read(p[0], &ch, 1);

	/* the timeout passes */
	FD_ZERO(&in);
	FD_SET(p[0], &in);
	ts = (struct timespec){0, 30000000};
	r = syscall(SYS_pselect6, p[0] + 1, &in, NULL, NULL, &ts, NULL);
	result("pselect6, timed out", r);
	printf(", left %s, set %d\n", range(ts.tv_sec, ts.tv_nsec, 0, 0), FD_ISSET(p[0], &in));

	FD_ZERO(&in);
	FD_SET(p[0], &in);
	tv = (struct timeval){0, 20000};
	r = syscall(SYS__newselect, p[0] + 1, &in, NULL, NULL, &tv);
	result("_newselect, timed out", r);
	printf(", left %s\n", range(tv.tv_sec, tv.tv_usec * 1000ll, 0, 0));

	/* a zero timeout: a poll, nothing written but zero */
	FD_ZERO(&in);
	FD_SET(p[0], &in);
	ts = (struct timespec){0, 0};
	r = syscall(SYS_pselect6, p[0] + 1, &in, NULL, NULL, &ts, NULL);
	result("pselect6, zero timeout", r);
	printf(", left %s\n", range(ts.tv_sec, ts.tv_nsec, 0, 0));

	/* ready later: another process writes after 100 ms */
	int st;
	pid_t c = writer(p[1], 100);
	FD_ZERO(&in);
	FD_SET(p[0], &in);
	ts = (struct timespec){2, 0};
	r = syscall(SYS_pselect6, p[0] + 1, &in, NULL, NULL, &ts, NULL);
	result("pselect6, ready after 100 ms", r);
	printf(", left %s\n", range(ts.tv_sec, ts.tv_nsec, 1500, 1990));
	waitpid(c, &st, 0);
	read(p[0], &ch, 1);

	c = writer(p[1], 100);
	FD_ZERO(&in);
	FD_SET(p[0], &in);
	tv = (struct timeval){2, 0};
	r = syscall(SYS__newselect, p[0] + 1, &in, NULL, NULL, &tv);
	result("_newselect, ready after 100 ms", r);
	printf(", left %s\n", range(tv.tv_sec, tv.tv_usec * 1000ll, 1500, 1990));
	waitpid(c, &st, 0);
	read(p[0], &ch, 1);

	c = writer(p[1], 100);
	pf.revents = 0;
	ts = (struct timespec){2, 0};
	r = syscall(SYS_ppoll, &pf, 1, &ts, NULL, 8);
	result("ppoll, ready after 100 ms", r);
	printf(", left %s\n", range(ts.tv_sec, ts.tv_nsec, 1500, 1990));
	waitpid(c, &st, 0);
	read(p[0], &ch, 1);

	/* a timeout in read-only memory: read, not written back, the call succeeds */
	char *ro = mmap(NULL, PG, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	struct timespec *rts = (struct timespec *)ro;
	struct timeval *rtv = (struct timeval *)(ro + 64);
	*rts = (struct timespec){1, 0};
	*rtv = (struct timeval){1, 0};
	mprotect(ro, PG, PROT_READ);
	write(p[1], "b", 1);
	FD_ZERO(&in);
	FD_SET(p[0], &in);
	r = syscall(SYS_pselect6, p[0] + 1, &in, NULL, NULL, rts, NULL);
	result("pselect6, read-only timespec", r);
	printf(", left %lld.%09lld\n", (long long)rts->tv_sec, (long long)rts->tv_nsec);
	FD_ZERO(&in);
	FD_SET(p[0], &in);
	r = syscall(SYS__newselect, p[0] + 1, &in, NULL, NULL, rtv);
	result("_newselect, read-only timeval", r);
	printf(", left %lld.%06lld\n", (long long)rtv->tv_sec, (long long)rtv->tv_usec);
	r = syscall(SYS_ppoll, &pf, 1, rts, NULL, 8);
	result("ppoll, read-only timespec", r);
	printf(", left %lld.%09lld\n", (long long)rts->tv_sec, (long long)rts->tv_nsec);
	return 0;
}
