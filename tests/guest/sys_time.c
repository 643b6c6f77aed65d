/*
 * Clocks and sleeping, printed as relations only: CLOCK_MONOTONIC and
 * CLOCK_REALTIME advance across a nanosleep, gettimeofday and time agree
 * with CLOCK_REALTIME, clock_getres, CPU-time clocks, clock_gettime64, and
 * the errors (bad clock id, tv_nsec out of range, bad pointer).
 * Authoritative golden: both.
 */
#include "guestutil.h"
#include <time.h>
#include <sys/time.h>

static long long ns(struct timespec t)
{
	return t.tv_sec * 1000000000LL + t.tv_nsec;
}

int main(void)
{
	guest_init();
	struct timespec m0, m1, r0, r1, res;
	clock_gettime(CLOCK_MONOTONIC, &m0);
	clock_gettime(CLOCK_REALTIME, &r0);
	struct timespec d = {0, 20 * 1000 * 1000};
	printf("nanosleep 20 ms: %s\n", nanosleep(&d, NULL) ? errname(errno) : "ok");
	clock_gettime(CLOCK_MONOTONIC, &m1);
	clock_gettime(CLOCK_REALTIME, &r1);
	printf("monotonic advanced by at least 20 ms: %s\n", ns(m1) - ns(m0) >= 20000000 ? "yes" : "no");
	printf("realtime increased: %s\n", ns(r1) > ns(r0) ? "yes" : "no");
	printf("realtime after 2020: %s\n", r1.tv_sec > 1577836800 ? "yes" : "no");
	struct timeval tv;
	gettimeofday(&tv, NULL);
	printf("gettimeofday within 5 s of CLOCK_REALTIME: %s\n", llabs((long long)tv.tv_sec - r1.tv_sec) <= 5 ? "yes" : "no");
	time_t t = time(NULL);
	printf("time() within 5 s: %s\n", llabs((long long)t - r1.tv_sec) <= 5 ? "yes" : "no");
	printf("time(NULL) via the raw call agrees: %s\n", llabs(syscall(SYS_time, NULL) - (long long)t) <= 5 ? "yes" : "no");
	clock_getres(CLOCK_MONOTONIC, &res);
	printf("CLOCK_MONOTONIC resolution <= 1 ms: %s\n", res.tv_sec == 0 && res.tv_nsec <= 1000000 ? "yes" : "no");
	struct timespec c0, c1;
	clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &c0);
	volatile unsigned long x = 0;
	for (unsigned long i = 0; i < 2000000; i++)
		x += i;
	clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &c1);
	printf("process CPU time did not go backwards: %s\n", ns(c1) >= ns(c0) ? "yes" : "no");
	printf("CLOCK_THREAD_CPUTIME_ID: %s\n", clock_gettime(CLOCK_THREAD_CPUTIME_ID, &c1) ? errname(errno) : "ok");
	clock_gettime(CLOCK_MONOTONIC, &c1);
	clock_gettime(CLOCK_BOOTTIME, &c0);
	printf("CLOCK_BOOTTIME read after CLOCK_MONOTONIC is not smaller: %s\n", ns(c0) >= ns(c1) ? "yes" : "no");
	struct {
		long long sec, nsec;
	} t64 = {0, 0};
	long rc = syscall(SYS_clock_gettime64, CLOCK_REALTIME, &t64);
	printf("clock_gettime64: %s\n", rc ? errname(errno) : "ok");
	printf("it agrees with clock_gettime: %s\n", llabs(t64.sec - r1.tv_sec) <= 5 ? "yes" : "no");
	printf("raw clock_gettime bad clock: %s\n", syscall(SYS_clock_gettime, 12345, &c0) ? errname(errno) : "ok");
	printf("raw clock_gettime bad pointer: %s\n", syscall(SYS_clock_gettime, CLOCK_MONOTONIC, (void *)16) ? errname(errno) : "ok");
	struct timespec bad = {0, 1000000000};
	printf("nanosleep tv_nsec 1e9: %s\n", nanosleep(&bad, NULL) ? errname(errno) : "ok");
	struct timespec neg = {-1, 0};
	printf("nanosleep negative: %s\n", nanosleep(&neg, NULL) ? errname(errno) : "ok");
	struct timespec zero = {0, 0};
	printf("nanosleep 0: %s\n", nanosleep(&zero, NULL) ? errname(errno) : "ok");
	printf("clock_nanosleep MONOTONIC 1 ms: %s\n",
	       clock_nanosleep(CLOCK_MONOTONIC, 0, &(struct timespec){0, 1000000}, NULL) ? "error" : "ok");
	struct timespec abs;
	clock_gettime(CLOCK_MONOTONIC, &abs);
	printf("clock_nanosleep TIMER_ABSTIME in the past: %s\n",
	       clock_nanosleep(CLOCK_MONOTONIC, TIMER_ABSTIME, &m0, NULL) ? "error" : "ok");
	return 0;
}
