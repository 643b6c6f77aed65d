/*
 * getrandom from the seeded generator, and the single-thread forms of set_tid_address,
 * set_robust_list and futex (kernel/futex/ in Linux). With one thread a FUTEX_WAIT whose
 * value still matches could only be woken by another thread or a signal: vmlab reports
 * that the program would hang and ends the run.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "kernel/fs/fs_internal.h"
#include "kernel/signal.h"
#include "kernel/sys_time.h"
#include "kernel/task.h"
#include "kernel/uaccess.h"

/* splitmix64: the task's generator (seeded by the run command from --seed) */
static uint64_t task_random_u64(struct task *t)
{
	uint64_t z = (t->rng_state += 0x9e3779b97f4a7c15ull);
	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
	return z ^ (z >> 31);
}

long copy_random_to_user(struct task *t, uint32_t ubuf, uint32_t count)
{
	uint8_t buf[256];
	uint32_t done = 0;
	while (done < count) {
		uint32_t c = count - done < sizeof(buf) ? count - done : (uint32_t)sizeof(buf);
		for (uint32_t i = 0; i < c; i += 8) {
			uint64_t r = task_random_u64(t);
			memcpy(buf + i, &r, c - i < 8 ? c - i : 8);
		}
		if (copy_to_user(t, ubuf + done, buf, c))
			return done ? (long)done : -EFAULT;
		done += c;
	}
	return (long)done;
}

#define GRND_NONBLOCK 1u
#define GRND_RANDOM 2u
#define GRND_INSECURE 4u

long sys_getrandom(struct task *t, const uint32_t *a)
{
	uint32_t flags = a[2];
	if (flags & ~(GRND_NONBLOCK | GRND_RANDOM | GRND_INSECURE))
		return -EINVAL;
	if ((flags & GRND_INSECURE) && (flags & GRND_RANDOM))
		return -EINVAL;
	uint32_t n = a[1] > 0x1ffffff ? 0x1ffffff : a[1]; /* MAX_RW_COUNT >> 6, like Linux */
	return copy_random_to_user(t, a[0], n);
}

long sys_set_tid_address(struct task *t, const uint32_t *a)
{
	t->clear_child_tid = a[0];
	return t->pid;
}

long sys_set_robust_list(struct task *t, const uint32_t *a)
{
	if (a[1] != 12) /* sizeof(struct robust_list_head) on i386 */
		return -EINVAL;
	t->robust_list = a[0];
	t->robust_len = a[1];
	return 0;
}

long sys_get_robust_list(struct task *t, const uint32_t *a)
{
	if (a[0] != 0 && (int32_t)a[0] != t->pid)
		return -ESRCH;
	if (put_user_u32(t, a[2], t->robust_len) || put_user_u32(t, a[1], t->robust_list))
		return -EFAULT;
	return 0;
}

/* futex: futex.c */

/* rseq: registration as 6.1 checks it. One CPU and no preemption between instructions
 * of a critical section: the kernel's only duty left is to publish cpu_id 0. */
#define RSEQ_FLAG_UNREGISTER 1u
#define RSEQ_SIZE 32u
#define RSEQ_CPU_ID_UNINITIALIZED 0xffffffffu

long sys_rseq(struct task *t, const uint32_t *a)
{
	uint32_t ptr = a[0], len = a[1], flags = a[2], sig = a[3];
	if (flags & RSEQ_FLAG_UNREGISTER) {
		if (flags & ~RSEQ_FLAG_UNREGISTER)
			return -EINVAL;
		if (t->rseq != ptr)
			return -EINVAL;
		if (len != t->rseq_len)
			return -EINVAL;
		if (sig != t->rseq_sig)
			return -EPERM;
		uint32_t v[2] = {0, RSEQ_CPU_ID_UNINITIALIZED};
		if (copy_to_user(t, ptr, v, 8))
			return -EFAULT;
		t->rseq = t->rseq_len = t->rseq_sig = 0;
		return 0;
	}
	if (flags)
		return -EINVAL;
	if (t->rseq) {
		if (t->rseq != ptr || len != t->rseq_len)
			return -EINVAL;
		if (sig != t->rseq_sig)
			return -EPERM;
		return -EBUSY;
	}
	if ((ptr & (RSEQ_SIZE - 1)) || len != RSEQ_SIZE)
		return -EINVAL;
	uint32_t v[2] = {0, 0}; /* cpu_id_start, cpu_id */
	if (copy_to_user(t, ptr, v, 8))
		return -EFAULT;
	t->rseq = ptr;
	t->rseq_len = len;
	t->rseq_sig = sig;
	return 0;
}

/* prctl: the calls about the process itself. The name set by PR_SET_NAME replaces the
 * comm exec gave (one guest per vmlab process, so one buffer serves). */
#define PR_GET_PDEATHSIG 2
#define PR_SET_PDEATHSIG 1
#define PR_GET_DUMPABLE 3
#define PR_SET_DUMPABLE 4
#define PR_SET_NAME 15
#define PR_GET_NAME 16
#define PR_SET_NO_NEW_PRIVS 38
#define PR_GET_NO_NEW_PRIVS 39

static char comm_buf[16];
static int dumpable = 1, pdeathsig, no_new_privs;

long sys_prctl(struct task *t, const uint32_t *a)
{
	switch (a[0]) {
	case PR_GET_NAME: {
		char n[16] = {0};
		snprintf(n, sizeof(n), "%s", t->comm ? t->comm : "");
		return copy_to_user(t, a[1], n, 16) ? -EFAULT : 0;
	}
	case PR_SET_NAME: {
		char n[16];
		if (copy_from_user(t, n, a[1], 16) && strncpy_from_user(t, n, a[1], 16) < 0)
			return -EFAULT;
		n[15] = '\0';
		memcpy(comm_buf, n, 16);
		t->comm = comm_buf;
		return 0;
	}
	case PR_GET_DUMPABLE:
		return dumpable;
	case PR_SET_DUMPABLE:
		if (a[1] > 1)
			return -EINVAL;
		dumpable = (int)a[1];
		return 0;
	case PR_GET_PDEATHSIG:
		return put_user_u32(t, a[1], (uint32_t)pdeathsig) ? -EFAULT : 0;
	case PR_SET_PDEATHSIG:
		if (a[1] > VMLAB_NSIG)
			return -EINVAL;
		pdeathsig = (int)a[1];
		return 0;
	case PR_GET_NO_NEW_PRIVS:
		return a[1] | a[2] | a[3] | a[4] ? -EINVAL : no_new_privs;
	case PR_SET_NO_NEW_PRIVS:
		if (a[1] != 1 || a[2] | a[3] | a[4])
			return -EINVAL;
		no_new_privs = 1;
		return 0;
	default: {
		static bool reported;
		if (!reported)
			fprintf(stderr, "vmlab: prctl option %u not supported (EINVAL; reported "
					"once)\n", a[0]);
		reported = true;
		return -EINVAL;
	}
	}
}

/* The scheduler's view of a one-CPU machine (cpuinfo lists processor 0 only). */
long sys_sched_yield(struct task *t, const uint32_t *a)
{
	(void)t;
	(void)a;
	return 0; /* nothing else is runnable */
}

static bool self_pid(const struct task *t, uint32_t pid)
{
	return pid == 0 || (int32_t)pid == t->pid;
}

/* sched_getaffinity: the mask of CPU 0, in the kernel's cpumask size for NR_CPUS 32 (4
 * bytes on Debian's 686 kernels); the return value is the bytes written. */
long sys_sched_getaffinity(struct task *t, const uint32_t *a)
{
	if (!self_pid(t, a[0]))
		return -ESRCH;
	if (a[1] < 4 || (a[1] & 3))
		return -EINVAL;
	uint32_t mask = 1;
	return put_user_u32(t, a[2], mask) ? -EFAULT : 4;
}

long sys_sched_setaffinity(struct task *t, const uint32_t *a)
{
	if (!self_pid(t, a[0]))
		return -ESRCH;
	uint32_t mask = 0;
	if (a[1] >= 4 && get_user_u32(t, a[2], &mask))
		return -EFAULT;
	return mask & 1 ? 0 : -EINVAL; /* a mask without CPU 0 leaves no CPU to run on */
}

long sys_getcpu(struct task *t, const uint32_t *a)
{
	if (a[0] && put_user_u32(t, a[0], 0))
		return -EFAULT;
	if (a[1] && put_user_u32(t, a[1], 0))
		return -EFAULT;
	return 0;
}
