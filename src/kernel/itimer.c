/*
 * alarm, setitimer, getitimer (kernel/time/itimer.c) for ITIMER_REAL, on the virtual
 * clock: a process's real timer is a deadline on its CLOCK_MONOTONIC; the run loop fires it
 * (SIGALRM, SI_KERNEL) once the clock gets there, even while every task sleeps (the clock
 * then jumps to it: sched_idle). ITIMER_VIRTUAL and ITIMER_PROF count the process's CPU
 * time (its threads' retired instructions: the kernel retires none, so user time and
 * user+system time are the same here) and fire SIGVTALRM and SIGPROF at the instruction
 * that reaches them; Linux checks them at the next tick (posix-cpu-timers.c).
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "kernel/sched.h"
#include "kernel/signal.h"
#include "kernel/sys_time.h"
#include "kernel/task.h"
#include "kernel/uaccess.h"

#define ITIMER_REAL 0
#define ITIMER_VIRTUAL 1
#define ITIMER_PROF 2
#define SIGALRM_ 14
#define SIGVTALRM_ 26
#define SIGPROF_ 27
#define TICK_NSEC 4000000ull /* CONFIG_HZ=250 */
#define SI_KERNEL_ 0x80
#define NSEC 1000000000ull

static struct task *leader(struct task *t)
{
	return t->group_leader ? t->group_leader : t;
}

/* The time left on the process's real timer (0 when off). */
static uint64_t left_ns(struct task *t)
{
	struct task *l = leader(t);
	if (!l->it_real_value)
		return 0;
	uint64_t now = vclock_monotonic_ns(l);
	/* an expired timer not yet fired reads as about to fire */
	return l->it_real_value > now ? l->it_real_value - now : 1000;
}

static void arm(struct task *t, uint64_t value_ns, uint64_t incr_ns)
{
	struct task *l = leader(t);
	struct sched *s = t->sched;
	bool was = l->it_real_value != 0;
	l->it_real_value = value_ns ? vclock_monotonic_ns(l) + value_ns : 0;
	l->it_real_incr = value_ns ? incr_ns : 0;
	if (s)
		s->timers += (int)(l->it_real_value != 0) - (int)was;
}

void sched_fire_timers(struct sched *s)
{
	for (size_t i = 0; i < s->nr && s->timers; i++) {
		struct task *t = s->tasks[i];
		if (!t->it_real_value || t->state >= EXIT_ZOMBIE)
			continue;
		uint64_t now = vclock_monotonic_ns(t);
		if (now < t->it_real_value)
			continue;
		struct siginfo_i386 info;
		memset(&info, 0, sizeof info);
		info.si_signo = SIGALRM_;
		info.si_code = SI_KERNEL_;
		send_sig_info(t, &info);
		if (t->it_real_incr) {
			while (t->it_real_value <= now)
				t->it_real_value += t->it_real_incr;
		} else {
			t->it_real_value = 0;
			s->timers--;
		}
	}
}

/* struct itimerval of 32-bit timevals */
static int put_itimerval(struct task *t, uint32_t u, uint64_t value, uint64_t incr)
{
	int32_t v[4] = {(int32_t)(incr / NSEC), (int32_t)(incr % NSEC / 1000),
			(int32_t)(value / NSEC), (int32_t)(value % NSEC / 1000)};
	return copy_to_user(t, u, v, sizeof v);
}

/* ---- the CPU-time timers ---- */

/* The process's CPU time: what every live task of t's thread group retired. */
static uint64_t group_cputime_ns(struct task *t)
{
	struct task *l = leader(t);
	struct sched *s = t->sched;
	if (!s)
		return vclock_cputime_ns(t);
	uint64_t insns = 0;
	for (size_t i = 0; i < s->nr; i++)
		if (leader(s->tasks[i]) == l)
			insns += s->tasks[i]->utime_insns;
	return insns * VMLAB_NS_PER_INSN;
}

/* get_cpu_itimer: time left; an expired timer not yet signalled reads as one tick */
static uint64_t cpu_left_ns(struct task *t, int k)
{
	struct task *l = leader(t);
	if (!l->it_cpu_value[k])
		return 0;
	uint64_t now = group_cputime_ns(t);
	return l->it_cpu_value[k] > now ? l->it_cpu_value[k] - now : TICK_NSEC;
}

uint64_t itimer_cpu_budget(struct task *t, uint64_t budget)
{
	struct task *l = leader(t);
	if (!l->it_cpu_value[0] && !l->it_cpu_value[1])
		return budget;
	uint64_t now = group_cputime_ns(t);
	for (int k = 0; k < 2; k++) {
		uint64_t v = l->it_cpu_value[k];
		if (!v)
			continue;
		uint64_t due = v > now ? (v - now + VMLAB_NS_PER_INSN - 1) / VMLAB_NS_PER_INSN : 1;
		if (due < budget)
			budget = due ? due : 1;
	}
	return budget;
}

void itimer_cpu_account(struct task *t)
{
	struct task *l = leader(t);
	if (!l->it_cpu_value[0] && !l->it_cpu_value[1])
		return;
	uint64_t now = group_cputime_ns(t);
	static const int sig[2] = {SIGVTALRM_, SIGPROF_};
	for (int k = 0; k < 2; k++) {
		uint64_t *v = &l->it_cpu_value[k];
		if (!*v || now < *v)
			continue;
		struct siginfo_i386 info;
		memset(&info, 0, sizeof info);
		info.si_signo = sig[k];
		info.si_code = SI_KERNEL_;
		send_sig_info(l, &info);
		if (l->it_cpu_incr[k]) {
			while (*v <= now)
				*v += l->it_cpu_incr[k];
		} else {
			*v = 0;
		}
	}
}

long sys_getitimer(struct task *t, const uint32_t *a)
{
	if (a[0] > ITIMER_PROF)
		return -EINVAL;
	if (a[0] != ITIMER_REAL) {
		int k = (int)a[0] - ITIMER_VIRTUAL;
		uint64_t left = cpu_left_ns(t, k);
		return put_itimerval(t, a[1], left, left ? leader(t)->it_cpu_incr[k] : 0) ? -EFAULT
											  : 0;
	}
	uint64_t left = left_ns(t);
	return put_itimerval(t, a[1], left, left ? leader(t)->it_real_incr : 0) ? -EFAULT : 0;
}

long sys_setitimer(struct task *t, const uint32_t *a)
{
	if (a[0] > ITIMER_PROF)
		return -EINVAL;
	int32_t v[4] = {0, 0, 0, 0};
	if (a[1] && copy_from_user(t, v, a[1], sizeof v))
		return -EFAULT;
	if (v[0] < 0 || v[1] < 0 || v[1] >= 1000000 || v[2] < 0 || v[3] < 0 || v[3] >= 1000000)
		return -EINVAL;
	uint64_t value = (uint64_t)v[2] * NSEC + (uint64_t)v[3] * 1000;
	uint64_t incr = (uint64_t)v[0] * NSEC + (uint64_t)v[1] * 1000;
	struct task *l = leader(t);
	if (a[0] != ITIMER_REAL) {
		int k = (int)a[0] - ITIMER_VIRTUAL;
		uint64_t left = cpu_left_ns(t, k);
		if (a[2] && put_itimerval(t, a[2], left, left ? l->it_cpu_incr[k] : 0))
			return -EFAULT;
		/* set_cpu_itimer adds a tick, so that a tiny value still takes effect */
		l->it_cpu_value[k] = value ? group_cputime_ns(t) + value + TICK_NSEC : 0;
		l->it_cpu_incr[k] = value ? incr : 0;
		return 0;
	}
	uint64_t left = left_ns(t);
	if (a[2] && put_itimerval(t, a[2], left, left ? l->it_real_incr : 0))
		return -EFAULT;
	arm(t, value, incr);
	return 0;
}

/* alarm: the seconds left on the old timer, rounded as alarm_setitimer does */
long sys_alarm(struct task *t, const uint32_t *a)
{
	uint64_t left = left_ns(t);
	arm(t, (uint64_t)a[0] * NSEC, 0);
	uint64_t sec = left / NSEC, usec = left % NSEC / 1000;
	if ((!sec && usec) || usec >= 500000)
		sec++;
	return (long)sec;
}
