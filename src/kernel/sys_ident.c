/*
 * Identity, limits and accounting (kernel/sys.c, kernel/exit.c getrusage, kernel/sys.c
 * sysinfo): the guest runs with the identity exec gave the task (the host's by default).
 */
#include <errno.h>
#include <string.h>

#include "kernel/mm/kmem.h"
#include "kernel/mm/mmap.h"
#include "kernel/procfs.h"
#include "kernel/sched.h"
#include "kernel/sys_time.h"
#include "kernel/task.h"
#include "kernel/uaccess.h"

#define RLIM_INF (~0ull)
#define RLIM_INF32 0xffffffffu
#define RLIMIT_NOFILE_ 7

long sys_getpid(struct task *t, const uint32_t *a)
{
	(void)a;
	return t->tgid;
}

long sys_gettid(struct task *t, const uint32_t *a)
{
	(void)a;
	return t->pid;
}

long sys_getppid(struct task *t, const uint32_t *a)
{
	(void)a;
	return t->ppid;
}

/* The process a pid names for the process-group calls: 0 is the caller. */
static struct task *pgrp_target(struct task *t, int32_t pid)
{
	if (pid == 0 || pid == t->tgid)
		return t->group_leader ? t->group_leader : t;
	if (pid < 0 || !t->sched)
		return NULL;
	struct task *p = find_task_by_pid(t->sched, pid);
	return p && p->state != EXIT_DEAD && p->pid != PID_INIT ? p->group_leader : NULL;
}

static int pgid_of(const struct task *t)
{
	return t->pgid ? t->pgid : t->tgid;
}

static int sid_of(const struct task *t)
{
	return t->sid ? t->sid : t->tgid;
}

long sys_getpgrp(struct task *t, const uint32_t *a)
{
	(void)a;
	return pgid_of(t);
}

long sys_getpgid(struct task *t, const uint32_t *a)
{
	struct task *p = pgrp_target(t, (int32_t)a[0]);
	return p ? pgid_of(p) : -ESRCH;
}

long sys_getsid(struct task *t, const uint32_t *a)
{
	struct task *p = pgrp_target(t, (int32_t)a[0]);
	return p ? sid_of(p) : -ESRCH;
}

/* setpgid: the caller or a child of it, into a group of the same session. */
long sys_setpgid(struct task *t, const uint32_t *a)
{
	int32_t pid = (int32_t)a[0], pgid = (int32_t)a[1];
	if (pgid < 0)
		return -EINVAL;
	struct task *self = t->group_leader ? t->group_leader : t;
	struct task *p = pid == 0 ? self : pgrp_target(t, pid);
	if (!p)
		return -ESRCH;
	if (!pgid)
		pgid = p->tgid;
	if (p != self) {
		if (!p->real_parent || p->real_parent->tgid != t->tgid)
			return -ESRCH;
		if (sid_of(p) != sid_of(self))
			return -EPERM;
		if (p->exec_done)
			return -EACCES;
	}
	if (sid_of(p) == p->tgid)
		return -EPERM; /* a session leader */
	if (pgid != p->tgid) {
		bool found = false;
		for (size_t i = 0; t->sched && i < t->sched->nr && !found; i++) {
			struct task *o = t->sched->tasks[i];
			found = o->state < EXIT_ZOMBIE && pgid_of(o) == pgid && sid_of(o) == sid_of(self);
		}
		if (!found)
			return -EPERM;
	}
	p->pgid = pgid;
	return 0;
}

long sys_setsid(struct task *t, const uint32_t *a)
{
	(void)a;
	struct task *self = t->group_leader ? t->group_leader : t;
	if (pgid_of(self) == self->tgid)
		return -EPERM;
	for (size_t i = 0; t->sched && i < t->sched->nr; i++) {
		struct task *o = t->sched->tasks[i];
		if (o->state < EXIT_DEAD && pgid_of(o) == self->tgid)
			return -EPERM;
	}
	self->pgid = self->sid = self->tgid;
	return self->sid;
}

/* The 16-bit calls report ids above 65535 as the overflow id 65534. */
static long low16(uint32_t id)
{
	return id > 0xffff ? 65534 : (long)id;
}

long sys_getuid32(struct task *t, const uint32_t *a) { (void)a; return t->uid; }
long sys_geteuid32(struct task *t, const uint32_t *a) { (void)a; return t->euid; }
long sys_getgid32(struct task *t, const uint32_t *a) { (void)a; return t->gid; }
long sys_getegid32(struct task *t, const uint32_t *a) { (void)a; return t->egid; }
long sys_getuid(struct task *t, const uint32_t *a) { (void)a; return low16(t->uid); }
long sys_geteuid(struct task *t, const uint32_t *a) { (void)a; return low16(t->euid); }
long sys_getgid(struct task *t, const uint32_t *a) { (void)a; return low16(t->gid); }
long sys_getegid(struct task *t, const uint32_t *a) { (void)a; return low16(t->egid); }

static long getres(struct task *t, const uint32_t *a, uint32_t r, uint32_t e, bool id16)
{
	uint32_t v[3] = {r, e, e}; /* saved id = effective id after exec */
	for (int i = 0; i < 3; i++) {
		uint32_t x = id16 ? (uint32_t)low16(v[i]) : v[i];
		if (id16 ? copy_to_user(t, a[i], &x, 2) : put_user_u32(t, a[i], x))
			return -EFAULT;
	}
	return 0;
}

long sys_getresuid32(struct task *t, const uint32_t *a)
{
	return getres(t, a, t->uid, t->euid, false);
}

long sys_getresgid32(struct task *t, const uint32_t *a)
{
	return getres(t, a, t->gid, t->egid, false);
}

/* The guest has no supplementary groups (exec gives it none). */
long sys_getgroups32(struct task *t, const uint32_t *a)
{
	(void)t;
	if ((int32_t)a[0] < 0)
		return -EINVAL;
	return 0;
}

long sys_getgroups(struct task *t, const uint32_t *a)
{
	return sys_getgroups32(t, a);
}

/* struct new_utsname: six fields of 65 bytes. */
long sys_uname(struct task *t, const uint32_t *a)
{
	char u[6][65];
	memset(u, 0, sizeof(u));
	strcpy(u[0], "Linux");
	strcpy(u[1], "vmlab");
	strcpy(u[2], VMLAB_UTS_RELEASE);
	strcpy(u[3], "#1 SMP PREEMPT_DYNAMIC vmlab");
	strcpy(u[4], "i686");
	strcpy(u[5], "(none)");
	return copy_to_user(t, a[0], u, sizeof(u)) ? -EFAULT : 0;
}

static long set_rlimit64(struct task *t, uint32_t res, uint64_t cur, uint64_t max)
{
	if (res >= VMLAB_RLIM_NLIMITS)
		return -EINVAL;
	if (cur > max)
		return -EINVAL;
	/* raising the hard limit needs CAP_SYS_RESOURCE; NOFILE is capped by nr_open */
	if (max > t->rlim[res].max && t->euid != 0)
		return -EPERM;
	if (res == RLIMIT_NOFILE_ && max > 1048576)
		return -EPERM;
	t->rlim[res].cur = cur;
	t->rlim[res].max = max;
	return 0;
}

long sys_prlimit64(struct task *t, const uint32_t *a)
{
	if (a[0] != 0 && (int32_t)a[0] != t->tgid)
		return -ESRCH;
	if (a[1] >= VMLAB_RLIM_NLIMITS)
		return -EINVAL;
	uint64_t old[2] = {t->rlim[a[1]].cur, t->rlim[a[1]].max};
	if (a[2]) {
		uint64_t n[2];
		if (copy_from_user(t, n, a[2], 16))
			return -EFAULT;
		long r = set_rlimit64(t, a[1], n[0], n[1]);
		if (r)
			return r;
	}
	if (a[3] && copy_to_user(t, a[3], old, 16))
		return -EFAULT;
	return 0;
}

/* The limits of a[0] as two 32-bit fields at a[1], each capped at inf. */
static long getrlimit32(struct task *t, const uint32_t *a, uint32_t inf)
{
	if (a[0] >= VMLAB_RLIM_NLIMITS)
		return -EINVAL;
	uint64_t l[2] = {t->rlim[a[0]].cur, t->rlim[a[0]].max};
	uint32_t v[2];
	for (int i = 0; i < 2; i++)
		v[i] = l[i] > inf ? inf : (uint32_t)l[i];
	return copy_to_user(t, a[1], v, 8) ? -EFAULT : 0;
}

/* ugetrlimit: RLIM_INFINITY = ~0UL */
long sys_ugetrlimit(struct task *t, const uint32_t *a)
{
	return getrlimit32(t, a, RLIM_INF32);
}

/* the old getrlimit: infinity reads as 0x7fffffff */
long sys_getrlimit(struct task *t, const uint32_t *a)
{
	return getrlimit32(t, a, 0x7fffffffu);
}

long sys_setrlimit(struct task *t, const uint32_t *a)
{
	uint32_t v[2];
	if (copy_from_user(t, v, a[1], 8))
		return -EFAULT;
	uint64_t cur = v[0] == RLIM_INF32 ? RLIM_INF : v[0];
	uint64_t max = v[1] == RLIM_INF32 ? RLIM_INF : v[1];
	return set_rlimit64(t, a[0], cur, max);
}

/* getrusage: struct rusage with 32-bit timevals and longs (18 longs after 2 timevals). */
long sys_getrusage(struct task *t, const uint32_t *a)
{
	int32_t who = (int32_t)a[0];
	if (who != 0 && who != -1 && who != 1) /* SELF, CHILDREN, THREAD */
		return -EINVAL;
	uint32_t ru[18];
	memset(ru, 0, sizeof(ru));
	if (who != -1) {
		uint64_t us = vclock_cputime_ns(t) / 1000;
		ru[0] = (uint32_t)(us / 1000000);
		ru[1] = (uint32_t)(us % 1000000);
		/* ru_maxrss in kB: the peak resident set */
		if (t->mm)
			ru[4] = (uint32_t)(t->mm->hiwater_rss * 4);
		ru[8] = (uint32_t)t->min_flt; /* ru_minflt */
		ru[9] = (uint32_t)t->maj_flt; /* ru_majflt */
		ru[16] = (uint32_t)t->nvcsw;  /* ru_nvcsw */
		ru[17] = (uint32_t)t->nivcsw; /* ru_nivcsw */
	} else {
		/* the reaped children's, and theirs */
		uint64_t us = t->cutime_insns * VMLAB_NS_PER_INSN / 1000;
		ru[0] = (uint32_t)(us / 1000000);
		ru[1] = (uint32_t)(us % 1000000);
		ru[8] = (uint32_t)t->cmin_flt;
		ru[9] = (uint32_t)t->cmaj_flt;
	}
	return copy_to_user(t, a[1], ru, sizeof(ru)) ? -EFAULT : 0;
}

/* struct sysinfo (i386): uptime, loads[3], totalram, freeram, sharedram, bufferram,
 * totalswap, freeswap, procs (u16) + pad, totalhigh, freehigh, mem_unit, padding to 64.
 * As do_sysinfo does: when every amount fits in 32 bits as bytes, mem_unit is 1. */
long sys_sysinfo(struct task *t, const uint32_t *a)
{
	if (!t->km)
		return -ENOSYS;
	const struct kmem *km = t->km;
	uint64_t v[8] = {km->totalram_pages, global_free_pages(km), km->stat[NR_SHMEM], km->stat[NR_BUFFERS],
			 km->stat[NR_SWAP_TOTAL], km->stat[NR_SWAP_FREE], km->totalhigh_pages,
			 km->zones[ZONE_HIGHMEM].free_pages};
	uint32_t unit = PAGE_SIZE;
	if (((v[0] + v[4]) << PAGE_SHIFT) >> 32 == 0) {
		for (int i = 0; i < 8; i++)
			v[i] <<= PAGE_SHIFT;
		unit = 1;
	}
	uint8_t buf[64];
	memset(buf, 0, sizeof(buf));
	uint32_t w[10] = {(uint32_t)(vclock_monotonic_ns(t) / 1000000000ull), 0, 0, 0};
	for (int i = 0; i < 6; i++)
		w[4 + i] = (uint32_t)v[i];
	memcpy(buf, w, 40);
	uint16_t procs = 1;
	memcpy(buf + 40, &procs, 2);
	uint32_t tail[3] = {(uint32_t)v[6], (uint32_t)v[7], unit};
	memcpy(buf + 44, tail, 12);
	return copy_to_user(t, a[0], buf, sizeof(buf)) ? -EFAULT : 0;
}
