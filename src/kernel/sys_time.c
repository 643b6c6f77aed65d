/*
 * Time on the virtual clock (kernel/time/ in Linux): see sys_time.h. Sleeping advances
 * the clock by the requested time and returns at once.
 */
#include "kernel/sys_time.h"

#include <errno.h>

#include "cpu/cpu.h"
#include "kernel/sched.h"
#include "kernel/signal.h"
#include "kernel/task.h"
#include "kernel/uaccess.h"

#define NSEC 1000000000ull

enum {
	CLOCK_REALTIME_ = 0, CLOCK_MONOTONIC_ = 1, CLOCK_PROCESS_CPUTIME_ID_ = 2,
	CLOCK_THREAD_CPUTIME_ID_ = 3, CLOCK_MONOTONIC_RAW_ = 4, CLOCK_REALTIME_COARSE_ = 5,
	CLOCK_MONOTONIC_COARSE_ = 6, CLOCK_BOOTTIME_ = 7, CLOCK_REALTIME_ALARM_ = 8,
	CLOCK_BOOTTIME_ALARM_ = 9, CLOCK_TAI_ = 11,
};
#define TIMER_ABSTIME_ 1
/* The coarse clocks tick at CONFIG_HZ (Debian: 250): they read in whole 4 ms jiffies. */
#define JIFFY_NS 4000000ull

uint64_t vclock_cputime_ns(const struct task *t)
{
	/* with a scheduler, the instructions this task retired; alone, all of them */
	if (t->sched)
		return t->utime_insns * VMLAB_NS_PER_INSN;
	return t->cpu ? t->cpu->insns * VMLAB_NS_PER_INSN : 0;
}

uint64_t vclock_monotonic_ns(const struct task *t)
{
	/* the machine's clock: every task's instructions, the time every task spent blocked
	 * until a timeout (sched.h), plus this task's own sleeps */
	uint64_t insns = t->cpu ? t->cpu->insns * VMLAB_NS_PER_INSN : 0;
	return insns + vclock_monotonic_offset_ns(t);
}

uint64_t vclock_monotonic_offset_ns(const struct task *t)
{
	return (t->sched ? t->sched->idle_ns : 0) + t->sleep_ns;
}

uint64_t vclock_realtime_ns(const struct task *t)
{
	return VMLAB_EPOCH * NSEC + vclock_monotonic_ns(t);
}

/* A clock's reading in ns, or -EINVAL for clocks that do not exist. */
static int64_t clock_read(const struct task *t, int32_t id)
{
	if (id < 0) /* CPU-clock ids of a pid/fd: only our own process and thread exist */
		return (~id & 3) <= 2 ? (int64_t)vclock_cputime_ns(t) : -EINVAL;
	switch (id) {
	case CLOCK_REALTIME_:
	case CLOCK_REALTIME_ALARM_:
		return (int64_t)vclock_realtime_ns(t);
	case CLOCK_TAI_:
		return (int64_t)vclock_realtime_ns(t) + 37 * (int64_t)NSEC;
	case CLOCK_REALTIME_COARSE_:
		return (int64_t)(vclock_realtime_ns(t) / JIFFY_NS * JIFFY_NS);
	case CLOCK_MONOTONIC_:
	case CLOCK_MONOTONIC_RAW_:
	case CLOCK_BOOTTIME_:
	case CLOCK_BOOTTIME_ALARM_:
		return (int64_t)vclock_monotonic_ns(t);
	case CLOCK_MONOTONIC_COARSE_:
		return (int64_t)(vclock_monotonic_ns(t) / JIFFY_NS * JIFFY_NS);
	case CLOCK_PROCESS_CPUTIME_ID_:
	case CLOCK_THREAD_CPUTIME_ID_:
		return (int64_t)vclock_cputime_ns(t);
	default:
		return -EINVAL;
	}
}

int put_timespec(struct task *t, uint32_t uaddr, int64_t ns, bool time64)
{
	if (time64) {
		int64_t v[2] = {ns / (int64_t)NSEC, ns % (int64_t)NSEC};
		return copy_to_user(t, uaddr, v, 16);
	}
	int32_t v[2] = {(int32_t)(ns / (int64_t)NSEC), (int32_t)(ns % (int64_t)NSEC)};
	return copy_to_user(t, uaddr, v, 8);
}

int get_timespec(struct task *t, uint32_t uaddr, int64_t *ns, bool time64)
{
	int64_t s, n;
	if (time64) {
		int64_t v[2];
		if (copy_from_user(t, v, uaddr, 16))
			return -EFAULT;
		s = v[0];
		n = (int32_t)v[1]; /* the upper half of tv_nsec is padding for 32-bit tasks */
	} else {
		int32_t v[2];
		if (copy_from_user(t, v, uaddr, 8))
			return -EFAULT;
		s = v[0];
		n = v[1];
	}
	if (n < 0 || n >= (int64_t)NSEC || s < 0)
		return -EINVAL;
	*ns = s > INT64_MAX / (int64_t)NSEC - 1 ? INT64_MAX : s * (int64_t)NSEC + n;
	return 0;
}

static long do_clock_gettime(struct task *t, int32_t id, uint32_t uts, bool time64)
{
	int64_t ns = clock_read(t, id);
	if (ns < 0)
		return ns;
	return put_timespec(t, uts, ns, time64) ? -EFAULT : 0;
}

long sys_clock_gettime(struct task *t, const uint32_t *a)
{
	return do_clock_gettime(t, (int32_t)a[0], a[1], false);
}

long sys_clock_gettime64(struct task *t, const uint32_t *a)
{
	return do_clock_gettime(t, (int32_t)a[0], a[1], true);
}

static long do_clock_getres(struct task *t, int32_t id, uint32_t uts, bool time64)
{
	int64_t ns = clock_read(t, id);
	if (ns < 0)
		return ns;
	bool coarse = id == CLOCK_REALTIME_COARSE_ || id == CLOCK_MONOTONIC_COARSE_;
	if (uts && put_timespec(t, uts, coarse ? (int64_t)JIFFY_NS : 1, time64))
		return -EFAULT;
	return 0;
}

long sys_clock_getres(struct task *t, const uint32_t *a)
{
	return do_clock_getres(t, (int32_t)a[0], a[1], false);
}

long sys_clock_getres_time64(struct task *t, const uint32_t *a)
{
	return do_clock_getres(t, (int32_t)a[0], a[1], true);
}

long sys_gettimeofday(struct task *t, const uint32_t *a)
{
	if (a[0]) {
		uint64_t ns = vclock_realtime_ns(t);
		int32_t tv[2] = {(int32_t)(ns / NSEC), (int32_t)(ns % NSEC / 1000)};
		if (copy_to_user(t, a[0], tv, 8))
			return -EFAULT;
	}
	if (a[1]) {
		int32_t tz[2] = {0, 0}; /* UTC, no DST */
		if (copy_to_user(t, a[1], tz, 8))
			return -EFAULT;
	}
	return 0;
}

long sys_time(struct task *t, const uint32_t *a)
{
	uint32_t s = (uint32_t)(vclock_realtime_ns(t) / NSEC);
	if (a[0] && put_user_u32(t, a[0], s))
		return -EFAULT;
	return (long)(int32_t)s;
}

/* Sleeping: alone and without a timer, the task's clock jumps ahead by the request (nothing
 * could interrupt it); otherwise it blocks until its deadline on the virtual clock
 * (sched.h), and a signal may end it first. */
static long do_sleep(struct task *t, int32_t id, uint32_t flags, uint32_t ureq, uint32_t urem,
		     bool time64)
{
	int64_t now = clock_read(t, id);
	if (now < 0)
		return id == CLOCK_THREAD_CPUTIME_ID_ ? -EINVAL : now;
	if (id == CLOCK_PROCESS_CPUTIME_ID_ || id < 0)
		return -EINVAL; /* vmlab cannot burn CPU time without running instructions */
	int64_t req;
	int r = get_timespec(t, ureq, &req, time64);
	if (r)
		return r;
	int64_t delta = flags & TIMER_ABSTIME_ ? req - now : req;
	const struct task *l = t->group_leader ? t->group_leader : t;
	if (delta > 0 && (sched_others_alive(t) || l->it_real_value || t->call_deadline)) {
		/* others can run meanwhile, or a timer can end the sleep: sleep in the
		 * scheduler until the deadline */
		uint64_t mono = vclock_monotonic_ns(t);
		if (!t->call_deadline)
			t->call_deadline = mono + (uint64_t)delta;
		if (mono >= t->call_deadline)
			return 0;
		long b = sched_block_until(t, WAIT_SIGNAL, t->call_deadline);
		if (b == -ERESTARTSYS) {
			/* a stop and SIGCONT: the sleep goes on to the same deadline */
			if (!signal_handler_pending(t))
				return -ERESTART_RESTARTBLOCK;
			/* interrupted: what is left of it, and EINTR */
			if (urem && !(flags & TIMER_ABSTIME_))
				put_timespec(t, urem, (int64_t)(t->call_deadline - mono), time64);
			return -EINTR;
		}
		return b;
	}
	if (delta > 0)
		t->sleep_ns += (uint64_t)delta;
	if (urem && !(flags & TIMER_ABSTIME_) && signal_pending(t))
		put_timespec(t, urem, 0, time64);
	return 0;
}

long sys_nanosleep(struct task *t, const uint32_t *a)
{
	return do_sleep(t, CLOCK_MONOTONIC_, 0, a[0], a[1], false);
}

long sys_clock_nanosleep(struct task *t, const uint32_t *a)
{
	return do_sleep(t, (int32_t)a[0], a[1], a[2], a[3], false);
}

long sys_clock_nanosleep_time64(struct task *t, const uint32_t *a)
{
	return do_sleep(t, (int32_t)a[0], a[1], a[2], a[3], true);
}

/* times(2): clock ticks of user/system time (all of it is user time in vmlab); the return
 * value is ticks since boot. */
long sys_times(struct task *t, const uint32_t *a)
{
	uint32_t utime = (uint32_t)(vclock_cputime_ns(t) / (NSEC / USER_HZ));
	if (a[0]) {
		uint32_t tms[4] = {utime, 0, 0, 0};
		if (copy_to_user(t, a[0], tms, 16))
			return -EFAULT;
	}
	/* jiffies_64 starts at INITIAL_JIFFIES, (u32)(-300 * HZ) with HZ 250, and times()
	 * returns it converted to USER_HZ ticks, truncated to 32 bits */
	uint64_t jiffies = (0x100000000ull - 300 * 250) + vclock_monotonic_ns(t) / JIFFY_NS;
	return (long)(int32_t)(uint32_t)(jiffies * 2 / 5);
}
