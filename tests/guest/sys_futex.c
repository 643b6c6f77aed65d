/*
 * futex for a single thread, as static glibc uses it: FUTEX_WAKE with no
 * waiters, FUTEX_WAIT on a changed value (EAGAIN), FUTEX_WAIT with a timeout
 * (ETIMEDOUT), the private variants, and the argument checks.
 * Authoritative golden: both.
 */
#include "guestutil.h"
#include <linux/futex.h>
#include <time.h>

static long futex(int *uaddr, int op, int val, const struct timespec *ts)
{
	return syscall(SYS_futex, uaddr, op, val, ts, NULL, 0);
}

int main(void)
{
	guest_init();
	static int word = 5;
	report_val("FUTEX_WAKE, nobody waiting", futex(&word, FUTEX_WAKE, 1, NULL));
	report_val("FUTEX_WAKE_PRIVATE", futex(&word, FUTEX_WAKE_PRIVATE, 10, NULL));
	report_val("FUTEX_WAIT, value differs", futex(&word, FUTEX_WAIT, 6, NULL));
	struct timespec ts = {0, 10 * 1000 * 1000};
	report_val("FUTEX_WAIT 10 ms, value matches", futex(&word, FUTEX_WAIT, 5, &ts));
	report_val("FUTEX_WAIT_PRIVATE 10 ms", futex(&word, FUTEX_WAIT_PRIVATE, 5, &ts));
	struct timespec bad = {0, 2000000000};
	report_val("FUTEX_WAIT bad timeout", futex(&word, FUTEX_WAIT, 5, &bad));
	report_val("unaligned address", futex((int *)((char *)&word + 1), FUTEX_WAKE, 1, NULL));
	report_val("unmapped address, WAIT", futex((int *)16, FUTEX_WAIT, 0, NULL));
	report_val("unknown op", futex(&word, 99, 0, NULL));
	return 0;
}
