/*
 * Fast user-space mutexes (kernel/futex): a task waits on a word of its memory while it
 * holds an expected value, and another wakes it. Waiters are blocked tasks (sched.h) with
 * their key: the mm and address for private futexes and private memory, the physical
 * address for shared memory (two processes mapping one page meet there). Woken in order of
 * arrival. A timed wait does not sleep: it moves the task's clock to the timeout and says
 * ETIMEDOUT unless a wake came first (vmlab has no timers yet).
 */
#include <errno.h>
#include <stdio.h>

#include "kernel/exit.h"
#include "kernel/fs/fs_internal.h"
#include "kernel/mm/memory.h"
#include "kernel/mm/mmap.h"
#include "kernel/mm/pgtable.h"
#include "kernel/sched.h"
#include "kernel/signal.h"
#include "kernel/sys_time.h"
#include "kernel/task.h"
#include "kernel/uaccess.h"

#define FUTEX_WAIT 0
#define FUTEX_WAKE 1
#define FUTEX_REQUEUE 3
#define FUTEX_CMP_REQUEUE 4
#define FUTEX_WAKE_OP 5
#define FUTEX_WAIT_BITSET 9
#define FUTEX_WAKE_BITSET 10
#define FUTEX_PRIVATE_FLAG 128
#define FUTEX_CLOCK_REALTIME 256
#define FUTEX_BITSET_MATCH_ANY 0xffffffffu

struct futex_key {
	const void *mm;
	uint64_t addr;
};

/* get_futex_key: private memory is keyed by its address space, shared memory by the word's
 * physical address (after the value read that faulted it in). */
static int futex_key(struct task *t, uint32_t uaddr, bool shared, struct futex_key *k)
{
	if (uaddr & 3)
		return -EINVAL;
	if (!t->mm)
		return -EFAULT;
	k->mm = t->mm;
	k->addr = uaddr;
	if (!shared)
		return 0;
	struct vm_area_struct *v = vma_lookup(t->mm, uaddr);
	if (!v)
		return -EFAULT;
	if (!(v->vm_flags & VM_SHARED))
		return 0;
	uint32_t dummy;
	if (get_user_u32(t, uaddr, &dummy))
		return -EFAULT;
	uint64_t pte = mm_pte(t->mm, uaddr);
	if (!(pte & PTE_P))
		return -EFAULT;
	k->mm = NULL;
	k->addr = pte_pfn(pte) << 12 | (uaddr & 0xfff);
	return 0;
}

static bool waits_on(const struct task *o, const struct futex_key *k)
{
	return o->state == TASK_INTERRUPTIBLE && o->wait.kind == WAIT_FUTEX && !o->futex_woken &&
	       o->wait.key_mm == k->mm && o->wait.key == k->addr;
}

/* The waiter on k that came first, or NULL. */
static struct task *first_waiter(struct sched *s, const struct futex_key *k, uint32_t bitset)
{
	struct task *best = NULL;
	for (size_t i = 0; i < s->nr; i++) {
		struct task *o = s->tasks[i];
		if (waits_on(o, k) && (o->wait.bitset & bitset) &&
		    (!best || o->wait.seq < best->wait.seq))
			best = o;
	}
	return best;
}

static long wake_key(struct sched *s, const struct futex_key *k, int nr, uint32_t bitset)
{
	long woken = 0;
	while (woken < nr) {
		struct task *o = first_waiter(s, k, bitset);
		if (!o)
			break;
		o->futex_woken = true;
		o->wait.woken = true;
		woken++;
	}
	return woken;
}

long futex_wake(struct task *t, uint32_t uaddr, bool shared, int nr, uint32_t bitset)
{
	if (!t->sched)
		return 0;
	struct futex_key k;
	int r = futex_key(t, uaddr, shared, &k);
	if (r)
		return r;
	return wake_key(t->sched, &k, nr, bitset);
}

static long futex_wait(struct task *t, uint32_t uaddr, bool shared, uint32_t val, uint32_t utime,
		       bool abs, bool realtime, uint32_t bitset, bool time64)
{
	if (t->futex_woken) {
		/* this is the call running again after FUTEX_WAKE ended its wait */
		t->futex_woken = false;
		return 0;
	}
	if (!bitset)
		return -EINVAL;
	struct futex_key k;
	int r = futex_key(t, uaddr, shared, &k);
	if (r)
		return r;
	uint32_t cur;
	if (get_user_u32(t, uaddr, &cur))
		return -EFAULT;
	if (cur != val)
		return -EAGAIN;
	if (utime) {
		int64_t want;
		r = get_timespec(t, utime, &want, time64);
		if (r)
			return r;
		if (abs)
			want -=
			    (int64_t)(realtime ? vclock_realtime_ns(t) : vclock_monotonic_ns(t));
		if (want > 0)
			t->sleep_ns += (uint64_t)want;
		return -ETIMEDOUT;
	}
	if (!t->sched) {
		if (signal_pending(t))
			return -EINTR;
		return fs_would_block_forever(t, "FUTEX_WAIT (only one thread exists)");
	}
	long b = sched_block(t, WAIT_FUTEX, -1, uaddr);
	if (b == -ERESTART_SCHED) {
		t->wait.key_mm = k.mm;
		t->wait.key = k.addr;
		t->wait.bitset = bitset;
		t->wait.seq = ++t->sched->futex_seq;
	}
	return b;
}

/* FUTEX_REQUEUE, FUTEX_CMP_REQUEUE: wake nr, move up to nr2 others to uaddr2. */
static long futex_requeue(struct task *t, uint32_t uaddr, uint32_t uaddr2, bool shared, int nr,
			  int nr2, bool cmp, uint32_t val3)
{
	if (nr < 0 || nr2 < 0)
		return -EINVAL;
	struct futex_key k1, k2;
	int r = futex_key(t, uaddr, shared, &k1);
	if (!r)
		r = futex_key(t, uaddr2, shared, &k2);
	if (r)
		return r;
	if (cmp) {
		uint32_t cur;
		if (get_user_u32(t, uaddr, &cur))
			return -EFAULT;
		if (cur != val3)
			return -EAGAIN;
	}
	if (!t->sched)
		return 0;
	long n = wake_key(t->sched, &k1, nr, FUTEX_BITSET_MATCH_ANY);
	long moved = 0;
	while (moved < nr2) {
		struct task *o = first_waiter(t->sched, &k1, FUTEX_BITSET_MATCH_ANY);
		if (!o)
			break;
		o->wait.key_mm = k2.mm;
		o->wait.key = k2.addr;
		o->wait.uaddr = uaddr2;
		moved++;
	}
	return cmp ? n + moved : n;
}

static long do_futex(struct task *t, const uint32_t *a, bool time64)
{
	uint32_t uaddr = a[0], op = a[1] & ~(FUTEX_PRIVATE_FLAG | FUTEX_CLOCK_REALTIME);
	bool shared = !(a[1] & FUTEX_PRIVATE_FLAG);
	bool realtime = a[1] & FUTEX_CLOCK_REALTIME;
	if (realtime && op != FUTEX_WAIT_BITSET && op != FUTEX_WAIT)
		return -ENOSYS;
	switch (op) {
	case FUTEX_WAIT:
		return futex_wait(t, uaddr, shared, a[2], a[3], false, realtime,
				  FUTEX_BITSET_MATCH_ANY, time64);
	case FUTEX_WAIT_BITSET:
		return futex_wait(t, uaddr, shared, a[2], a[3], true, realtime, a[5], time64);
	case FUTEX_WAKE:
	case FUTEX_WAKE_BITSET: {
		uint32_t bitset = op == FUTEX_WAKE ? FUTEX_BITSET_MATCH_ANY : a[5];
		if (!bitset)
			return -EINVAL;
		if (uaddr & 3)
			return -EINVAL;
		return futex_wake(t, uaddr, shared, (int)a[2], bitset);
	}
	case FUTEX_REQUEUE:
		return futex_requeue(t, uaddr, a[4], shared, (int)a[2], (int)a[3], false, 0);
	case FUTEX_CMP_REQUEUE:
		return futex_requeue(t, uaddr, a[4], shared, (int)a[2], (int)a[3], true, a[5]);
	default: {
		static bool reported;
		if (!reported)
			fprintf(stderr,
				"vmlab: futex operation %u not supported (ENOSYS; reported "
				"once)\n",
				op);
		reported = true;
		return -ENOSYS;
	}
	}
}

long sys_futex(struct task *t, const uint32_t *a)
{
	return do_futex(t, a, false);
}

long sys_futex_time64(struct task *t, const uint32_t *a)
{
	return do_futex(t, a, true);
}
