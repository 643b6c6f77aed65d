/*
 * SysV semaphores, in the shape of Linux's ipc/sem.c. A semop that cannot proceed queues
 * itself on the namespace's pending list (one FIFO for every set) and blocks in the
 * scheduler; whoever changes a set runs update_queue, which performs the queued operations
 * that can now go through on their sleepers' behalf, in order of arrival, and wakes them
 * with their result, as Linux does. The woken call runs again from the start (sched.h) and
 * finds its queue entry done. Removal wakes every sleeper with EIDRM; a signal or the
 * timeout takes the entry off the queue (EINTR, EAGAIN).
 *
 * SEM_UNDO adjustments are kept per process (thread group: glibc's threads share theirs
 * through CLONE_SYSVSEM) and applied when its last thread exits (exit_sem).
 */
#include "kernel/ipc/sem.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "kernel/fs/fs_internal.h"
#include "kernel/procfs_buf.h"
#include "kernel/ipc/util.h"
#include "kernel/mm/kmem.h"
#include "kernel/sched.h"
#include "kernel/signal.h"
#include "kernel/sys_time.h"
#include "kernel/task.h"
#include "kernel/uaccess.h"

/* include/uapi/linux/sem.h */
#define SEM_UNDO 0x1000
#define GETPID 11
#define GETVAL 12
#define GETALL 13
#define GETNCNT 14
#define GETZCNT 15
#define SETVAL 16
#define SETALL 17
#define SEM_STAT 18
#define SEM_INFO 19
#define SEM_STAT_ANY 20
/* ipc(2) call numbers */
#define IPCCALL_SEMOP 1
#define IPCCALL_SEMGET 2
#define IPCCALL_SEMCTL 3
#define IPCCALL_SEMTIMEDOP 4

#define SEMUSZ 20 /* sizeof(struct sem_undo) as the uapi header states it */
#define SEMMAP SEMMNS
#define SEMMNU SEMMNS
#define SEMUME SEMOPM

struct sem {
	int semval;
	int sempid;
};

struct sem_array {
	struct kern_ipc_perm perm; /* first: the id table points here */
	uint32_t nsems;
	int64_t otime, ctime;
	uint32_t kobj; /* its slab object */
	struct sem sems[];
};

/* One process's adjustments for one set (struct sem_undo). */
struct sem_undo {
	struct sem_undo *next;
	int tgid, semid;
	uint32_t kobj;
	uint32_t nsems;
	int16_t semadj[];
};

/* A sleeping semop (struct sem_queue). */
struct sem_queue {
	struct sem_queue *next;
	struct task *task;
	struct sem_array *sma; /* NULL once done */
	struct sembuf_k *sops;
	uint32_t nsops;
	struct sem_undo *un;
	bool alter, done;
	int blocking_num, blocking_op; /* the operation it waits on (GETNCNT, GETZCNT) */
	long status;
};

struct sem_ns {
	struct ipc_ids ids;
	uint32_t used_sems;
	struct sem_queue *pending, **pending_tail; /* in order of arrival */
	struct sem_undo *undos;
	bool reported[32];
};

struct sem_ns *sem_ns_create(void)
{
	struct sem_ns *sn = calloc(1, sizeof *sn);
	if (!sn)
		return NULL;
	if (ipc_ids_init(&sn->ids, SEMMNI)) {
		free(sn);
		return NULL;
	}
	sn->pending_tail = &sn->pending;
	return sn;
}

/* The kernel memory an object takes (the values live on the host heap): kvzalloc's, from
 * the slab up to its largest size, from vmalloc beyond, as Linux's kvmalloc falls back. */
static uint32_t charge(struct task *t, size_t size)
{
	if (!t->km)
		return 1;
	if (size <= (1u << KMALLOC_SHIFT_HIGH))
		return kzalloc(t->km, size, GFP_KERNEL);
	return __vmalloc(t->km, size, GFP_KERNEL, "newary");
}

static void uncharge(struct task *t, uint32_t kobj)
{
	if (!t || !t->km || !kobj)
		return;
	if (is_vmalloc_addr(t->km, kobj))
		vfree(t->km, kobj);
	else
		kfree(t->km, kobj);
}

void sem_ns_destroy(struct sem_ns *sn)
{
	if (!sn)
		return;
	/* the machine goes: kernel memory with it, nothing to give back */
	for (uint32_t i = 0; i < sn->ids.hwm; i++)
		free(sn->ids.slot[i]);
	while (sn->undos) {
		struct sem_undo *u = sn->undos;
		sn->undos = u->next;
		free(u);
	}
	while (sn->pending) {
		struct sem_queue *q = sn->pending;
		sn->pending = q->next;
		free(q->sops);
		free(q);
	}
	ipc_ids_free(&sn->ids);
	free(sn);
}

/* ---- the operations themselves ---- */

int sem_perform(int *semval, uint32_t nsems, const struct sembuf_k *sops, uint32_t nsops,
		int16_t *semadj, int *blocking)
{
	/* perform_atomic_semop_slow: apply in order, undo everything on a block or an error,
	 * so an operation repeating a semaphore sees its earlier operations' results */
	uint32_t i;
	int result = 0;
	for (i = 0; i < nsops; i++) {
		const struct sembuf_k *s = &sops[i];
		if (s->sem_num >= nsems)
			return -EFBIG; /* checked by the caller; never reached */
		int v = semval[s->sem_num];
		if (!s->sem_op && v) {
			result = 1;
			break;
		}
		v += s->sem_op;
		if (v < 0) {
			result = 1;
			break;
		}
		if (v > SEMVMX) {
			result = -ERANGE;
			break;
		}
		if (s->sem_flg & SEM_UNDO) {
			int u = semadj[s->sem_num] - s->sem_op;
			if (u < -SEMAEM - 1 || u > SEMAEM) {
				result = -ERANGE;
				break;
			}
			semadj[s->sem_num] = (int16_t)u;
		}
		semval[s->sem_num] = v;
	}
	if (!result)
		return 0;
	if (result == 1) {
		if (blocking)
			*blocking = (int)i;
		if (sops[i].sem_flg & IPC_NOWAIT)
			result = -EAGAIN;
	}
	while (i-- > 0) {
		semval[sops[i].sem_num] -= sops[i].sem_op;
		if (sops[i].sem_flg & SEM_UNDO)
			semadj[sops[i].sem_num] =
			    (int16_t)(semadj[sops[i].sem_num] + sops[i].sem_op);
	}
	return result;
}

/* sem_perform on a set: its values are copied out and back (at most SEMMSL of them). */
static int perform_on(struct sem_array *sma, const struct sembuf_k *sops, uint32_t nsops,
		      struct sem_undo *un, int pid, int *blocking, int64_t now)
{
	int *vals = malloc(sma->nsems * sizeof *vals);
	if (!vals)
		return -ENOMEM;
	for (uint32_t i = 0; i < sma->nsems; i++)
		vals[i] = sma->sems[i].semval;
	int16_t dummy[1] = {0};
	int r = sem_perform(vals, sma->nsems, sops, nsops, un ? un->semadj : dummy, blocking);
	if (!r) {
		for (uint32_t i = 0; i < sma->nsems; i++)
			sma->sems[i].semval = vals[i];
		for (uint32_t i = 0; i < nsops; i++)
			sma->sems[sops[i].sem_num].sempid = pid;
		sma->otime = now;
	}
	free(vals);
	return r;
}

static void unlink_queue(struct sem_ns *sn, struct sem_queue *q)
{
	for (struct sem_queue **pp = &sn->pending; *pp; pp = &(*pp)->next) {
		if (*pp != q)
			continue;
		*pp = q->next;
		if (sn->pending_tail == &q->next)
			sn->pending_tail = pp;
		break;
	}
	free(q->sops);
	free(q);
}

static void complete(struct sem_queue *q, long status)
{
	q->done = true;
	q->status = status;
	q->sma = NULL;
	wake_up_task(q->task, WAIT_SEM);
}

/* update_queue: the sleepers on sma whose operations can now go through, in order of
 * arrival, each completed for its sleeper; after one that changed a value, from the start. */
static void update_queue(struct sem_ns *sn, struct sem_array *sma, int64_t now)
{
	bool again = true;
	while (again) {
		again = false;
		for (struct sem_queue *q = sn->pending; q; q = q->next) {
			if (q->done || q->sma != sma)
				continue;
			int blocking = 0;
			int r = perform_on(sma, q->sops, q->nsops, q->un, q->task->tgid, &blocking,
					   now);
			if (r == 1) {
				q->blocking_num = q->sops[blocking].sem_num;
				q->blocking_op = q->sops[blocking].sem_op;
				continue;
			}
			complete(q, r);
			if (!r && q->alter) {
				again = true;
				break;
			}
		}
	}
}

static struct sem_array *sem_obtain(struct sem_ns *sn, int id)
{
	return (struct sem_array *)ipc_obtain(&sn->ids, id);
}

/* freeary: sleepers get EIDRM, undo entries and the id go. */
static void freeary(struct task *t, struct sem_ns *sn, struct sem_array *sma)
{
	for (struct sem_queue *q = sn->pending; q; q = q->next)
		if (!q->done && q->sma == sma)
			complete(q, -EIDRM);
	for (struct sem_undo **pp = &sn->undos; *pp;) {
		struct sem_undo *u = *pp;
		if (u->semid == sma->perm.id) {
			*pp = u->next;
			for (struct sem_queue *q = sn->pending; q; q = q->next)
				if (q->un == u)
					q->un = NULL;
			uncharge(t, u->kobj);
			free(u);
		} else {
			pp = &u->next;
		}
	}
	sn->used_sems -= sma->nsems;
	ipc_rmid(&sn->ids, &sma->perm);
	uncharge(t, sma->kobj);
	free(sma);
}

/* ---- semget ---- */

static long newary(struct task *t, struct sem_ns *sn, int32_t key, int nsems, uint32_t flg)
{
	if (!nsems)
		return -EINVAL;
	if (sn->used_sems + (uint32_t)nsems > SEMMNS)
		return -ENOSPC;
	if (sn->ids.in_use >= SEMMNI)
		return -ENOSPC;
	struct sem_array *sma = calloc(1, sizeof *sma + (size_t)nsems * sizeof(struct sem));
	if (!sma)
		return -ENOMEM;
	/* struct sem_array and its struct sem (cache-line aligned): kvzalloc's size */
	sma->kobj = charge(t, 96 + (size_t)nsems * 64);
	if (!sma->kobj) {
		free(sma);
		return -ENOMEM;
	}
	ipc_perm_init(&sma->perm, t, key, flg);
	sma->nsems = (uint32_t)nsems;
	sma->ctime = ipc_now(t);
	int id = ipc_addid(&sn->ids, &sma->perm);
	if (id < 0) {
		uncharge(t, sma->kobj);
		free(sma);
		return id;
	}
	sn->used_sems += (uint32_t)nsems;
	return id;
}

static long do_semget(struct task *t, int32_t key, int nsems, uint32_t flg)
{
	struct sem_ns *sn = ipc_sem_ns(t);
	if (!sn)
		return -ENOMEM;
	if (nsems < 0 || nsems > SEMMSL)
		return -EINVAL;
	if (key == IPC_PRIVATE)
		return newary(t, sn, key, nsems, flg);
	struct sem_array *sma = (struct sem_array *)ipc_findkey(&sn->ids, key);
	if (!sma)
		return (flg & IPC_CREAT) ? newary(t, sn, key, nsems, flg) : -ENOENT;
	if ((flg & IPC_CREAT) && (flg & IPC_EXCL))
		return -EEXIST;
	if ((uint32_t)nsems > sma->nsems) /* sem_more_checks */
		return -EINVAL;
	int r = ipcperms(t, &sma->perm, flg & 0777);
	return r ? r : sma->perm.id;
}

/* ---- semop ---- */

static struct sem_undo *find_undo(struct sem_ns *sn, int tgid, int semid)
{
	for (struct sem_undo *u = sn->undos; u; u = u->next)
		if (u->tgid == tgid && u->semid == semid)
			return u;
	return NULL;
}

/* find_alloc_undo */
static struct sem_undo *alloc_undo(struct task *t, struct sem_ns *sn, struct sem_array *sma)
{
	struct sem_undo *u = find_undo(sn, t->tgid, sma->perm.id);
	if (u)
		return u;
	u = calloc(1, sizeof *u + sma->nsems * sizeof(int16_t));
	if (!u)
		return NULL;
	u->kobj = charge(t, 32 + sma->nsems * sizeof(int16_t));
	if (!u->kobj) {
		free(u);
		return NULL;
	}
	u->tgid = t->tgid;
	u->semid = sma->perm.id;
	u->nsems = sma->nsems;
	u->next = sn->undos;
	sn->undos = u;
	return u;
}

static struct sem_queue *find_queue(struct sem_ns *sn, const struct task *t)
{
	for (struct sem_queue *q = sn->pending; q; q = q->next)
		if (q->task == t)
			return q;
	return NULL;
}

long do_semtimedop(struct task *t, int semid, uint32_t usops, uint32_t nsops, uint32_t utimeout,
		   bool time64)
{
	struct sem_ns *sn = ipc_sem_ns(t);
	if (!sn)
		return -ENOMEM;
	struct sem_queue *q = find_queue(sn, t);
	if (q) {
		/* the call running again after its sleep */
		if (q->done) {
			long r = q->status;
			unlink_queue(sn, q);
			return r;
		}
		if (signal_pending(t)) {
			unlink_queue(sn, q);
			return -EINTR;
		}
		if (t->call_deadline && vclock_monotonic_ns(t) >= t->call_deadline) {
			unlink_queue(sn, q);
			return -EAGAIN;
		}
		return sched_block_until(t, WAIT_SEM, t->call_deadline);
	}
	if ((int32_t)nsops < 1 || semid < 0)
		return -EINVAL;
	if (nsops > SEMOPM)
		return -E2BIG;
	struct sembuf_k *sops = malloc(nsops * sizeof *sops);
	if (!sops)
		return -ENOMEM;
	long r = 0;
	uint8_t raw[6];
	for (uint32_t i = 0; i < nsops && !r; i++) {
		if (copy_from_user(t, raw, usops + i * 6, 6))
			r = -EFAULT;
		sops[i].sem_num = ipc_get16(raw);
		sops[i].sem_op = (int16_t)ipc_get16(raw + 2);
		sops[i].sem_flg = (int16_t)ipc_get16(raw + 4);
	}
	int64_t timeout = -1;
	if (!r && utimeout)
		r = get_timespec(t, utimeout, &timeout, time64);
	if (r)
		goto out;
	uint32_t max = 0;
	bool undos = false, alter = false;
	for (uint32_t i = 0; i < nsops; i++) {
		if (sops[i].sem_num >= max)
			max = sops[i].sem_num;
		if (sops[i].sem_flg & SEM_UNDO)
			undos = true;
		if (sops[i].sem_op)
			alter = true;
	}
	struct sem_array *sma = sem_obtain(sn, semid);
	r = -EINVAL;
	if (!sma)
		goto out;
	r = -EFBIG;
	if (max >= sma->nsems)
		goto out;
	r = ipcperms(t, &sma->perm, alter ? 0222 : 0444);
	if (r)
		goto out;
	struct sem_undo *un = NULL;
	if (undos && !(un = alloc_undo(t, sn, sma))) {
		r = -ENOMEM;
		goto out;
	}
	int blocking = 0;
	r = perform_on(sma, sops, nsops, un, t->tgid, &blocking, ipc_now(t));
	if (r == 0) {
		if (alter)
			update_queue(sn, sma, ipc_now(t));
		goto out;
	}
	if (r < 0)
		goto out;
	/* it must wait */
	if (timeout == 0) {
		r = -EAGAIN;
		goto out;
	}
	if (!t->sched) {
		r = signal_pending(t) ? -EINTR : fs_would_block_forever(t, "semop");
		goto out;
	}
	if (timeout > 0 && !t->call_deadline)
		t->call_deadline = vclock_monotonic_ns(t) + (uint64_t)timeout;
	r = sched_block_until(t, WAIT_SEM, t->call_deadline);
	if (r != -ERESTART_SCHED) {
		r = -EINTR;
		goto out;
	}
	q = calloc(1, sizeof *q);
	if (!q) {
		t->state = TASK_RUNNING;
		r = -ENOMEM;
		goto out;
	}
	q->task = t;
	q->sma = sma;
	q->sops = sops;
	q->nsops = nsops;
	q->un = un;
	q->alter = alter;
	q->blocking_num = sops[blocking].sem_num;
	q->blocking_op = sops[blocking].sem_op;
	*sn->pending_tail = q;
	sn->pending_tail = &q->next;
	return r;
out:
	free(sops);
	return r;
}

/* ---- semctl ---- */

/* count_semcnt: sleepers whose blocking operation waits on semnum to grow (GETNCNT) or to
 * reach zero (GETZCNT). */
static int count_semcnt(struct sem_ns *sn, struct sem_array *sma, uint32_t semnum, bool zero)
{
	int n = 0;
	for (struct sem_queue *q = sn->pending; q; q = q->next) {
		if (q->done || q->sma != sma || (uint32_t)q->blocking_num != semnum)
			continue;
		if (zero ? q->blocking_op == 0 : q->blocking_op < 0)
			n++;
	}
	return n;
}

static void clear_semadj(struct sem_ns *sn, int semid, int semnum)
{
	for (struct sem_undo *u = sn->undos; u; u = u->next) {
		if (u->semid != semid)
			continue;
		if (semnum < 0)
			memset(u->semadj, 0, u->nsems * sizeof(int16_t));
		else
			u->semadj[semnum] = 0;
	}
}

/* struct semid64_ds (64 bytes) or the old struct semid_ds (44 bytes). */
static long put_semid(struct task *t, uint32_t buf, const struct sem_array *sma, bool ipc64)
{
	uint8_t out[64] = {0};
	if (ipc64) {
		ipc64_perm_put(&sma->perm, out);
		ipc_put32(out + 36, (uint32_t)sma->otime);
		ipc_put32(out + 40, (uint32_t)((uint64_t)sma->otime >> 32));
		ipc_put32(out + 44, (uint32_t)sma->ctime);
		ipc_put32(out + 48, (uint32_t)((uint64_t)sma->ctime >> 32));
		ipc_put32(out + 52, sma->nsems);
		return copy_to_user(t, buf, out, 64) ? -EFAULT : 0;
	}
	ipc_old_perm_put(&sma->perm, out);
	ipc_put32(out + 16, (uint32_t)sma->otime);
	ipc_put32(out + 20, (uint32_t)sma->ctime);
	ipc_put16(out + 40, (uint16_t)sma->nsems);
	return copy_to_user(t, buf, out, 44) ? -EFAULT : 0;
}

static long semctl_info(struct task *t, struct sem_ns *sn, uint32_t cmd, uint32_t buf)
{
	int32_t w[10] = {0};
	w[0] = SEMMAP;
	w[1] = SEMMNI;
	w[2] = SEMMNS;
	w[3] = SEMMNU;
	w[4] = SEMMSL;
	w[5] = SEMOPM;
	w[6] = SEMUME;
	w[7] = cmd == SEM_INFO ? (int32_t)sn->ids.in_use : SEMUSZ;
	w[8] = SEMVMX;
	w[9] = cmd == SEM_INFO ? (int32_t)sn->used_sems : SEMAEM;
	int max = ipc_get_maxidx(&sn->ids);
	if (copy_to_user(t, buf, w, sizeof w))
		return -EFAULT;
	return max < 0 ? 0 : max;
}

static long semctl_main(struct task *t, struct sem_ns *sn, int semid, int semnum, uint32_t cmd,
			uint32_t arg)
{
	struct sem_array *sma = sem_obtain(sn, semid);
	if (!sma)
		return -EINVAL;
	if (ipcperms(t, &sma->perm, cmd == SETALL ? 0222 : 0444))
		return -EACCES;
	uint32_t n = sma->nsems;
	if (cmd == GETALL || cmd == SETALL) {
		uint16_t *io = calloc(n, sizeof *io);
		if (!io)
			return -ENOMEM;
		long r = 0;
		if (cmd == GETALL) {
			for (uint32_t i = 0; i < n; i++)
				io[i] = (uint16_t)sma->sems[i].semval;
			r = copy_to_user(t, arg, io, n * sizeof *io) ? -EFAULT : 0;
		} else if (copy_from_user(t, io, arg, n * sizeof *io)) {
			r = -EFAULT;
		} else {
			for (uint32_t i = 0; i < n && !r; i++)
				if (io[i] > SEMVMX)
					r = -ERANGE;
			if (!r) {
				for (uint32_t i = 0; i < n; i++) {
					sma->sems[i].semval = io[i];
					sma->sems[i].sempid = t->tgid;
				}
				clear_semadj(sn, sma->perm.id, -1);
				sma->ctime = ipc_now(t);
				update_queue(sn, sma, ipc_now(t));
			}
		}
		free(io);
		return r;
	}
	if (semnum < 0 || (uint32_t)semnum >= n)
		return -EINVAL;
	switch (cmd) {
	case GETVAL: return sma->sems[semnum].semval;
	case GETPID: return sma->sems[semnum].sempid;
	case GETNCNT: return count_semcnt(sn, sma, (uint32_t)semnum, false);
	default: return count_semcnt(sn, sma, (uint32_t)semnum, true);
	}
}

static long semctl_setval(struct task *t, struct sem_ns *sn, int semid, int semnum, int val)
{
	if (val > SEMVMX || val < 0)
		return -ERANGE;
	struct sem_array *sma = sem_obtain(sn, semid);
	if (!sma)
		return -EINVAL;
	if (semnum < 0 || (uint32_t)semnum >= sma->nsems)
		return -EINVAL;
	if (ipcperms(t, &sma->perm, 0222))
		return -EACCES;
	clear_semadj(sn, sma->perm.id, semnum);
	sma->sems[semnum].semval = val;
	sma->sems[semnum].sempid = t->tgid;
	sma->ctime = ipc_now(t);
	update_queue(sn, sma, ipc_now(t));
	return 0;
}

static long semctl_stat(struct task *t, struct sem_ns *sn, int semid, uint32_t cmd, uint32_t buf,
			bool ipc64)
{
	struct sem_array *sma = cmd == IPC_STAT
				    ? sem_obtain(sn, semid)
				    : (struct sem_array *)ipc_obtain_idx(&sn->ids, semid);
	if (!sma)
		return -EINVAL;
	if (cmd != SEM_STAT_ANY && ipcperms(t, &sma->perm, 0444))
		return -EACCES;
	long r = put_semid(t, buf, sma, ipc64);
	if (r)
		return r;
	return cmd == IPC_STAT ? 0 : sma->perm.id;
}

/* semctl_down: IPC_SET and IPC_RMID, for the owner, the creator or root. */
static long semctl_down(struct task *t, struct sem_ns *sn, int semid, uint32_t cmd, uint32_t buf,
			bool ipc64)
{
	uint32_t uid = 0, gid = 0, mode = 0;
	if (cmd == IPC_SET) {
		uint8_t in[36];
		if (copy_from_user(t, in, buf, ipc64 ? 36 : 16))
			return -EFAULT;
		if (ipc64)
			ipc64_perm_get(in, &uid, &gid, &mode);
		else
			ipc_old_perm_get(in, &uid, &gid, &mode);
	}
	struct sem_array *sma = sem_obtain(sn, semid);
	if (!sma)
		return -EINVAL;
	if (!ipc_is_owner(t, &sma->perm))
		return -EPERM;
	if (cmd == IPC_RMID) {
		freeary(t, sn, sma);
		return 0;
	}
	sma->perm.uid = uid;
	sma->perm.gid = gid;
	sma->perm.mode = (sma->perm.mode & ~0777u) | (mode & 0777u);
	sma->ctime = ipc_now(t);
	return 0;
}

/* ksys_semctl: arg is the union semun's value (an int or a pointer). */
long do_semctl(struct task *t, int semid, int semnum, uint32_t cmd, uint32_t arg, bool ipc64)
{
	struct sem_ns *sn = ipc_sem_ns(t);
	if (!sn)
		return -ENOMEM;
	if (semid < 0)
		return -EINVAL;
	switch (cmd) {
	case IPC_INFO:
	case SEM_INFO: return semctl_info(t, sn, cmd, arg);
	case IPC_STAT:
	case SEM_STAT:
	case SEM_STAT_ANY: return semctl_stat(t, sn, semid, cmd, arg, ipc64);
	case GETALL:
	case GETVAL:
	case GETPID:
	case GETNCNT:
	case GETZCNT:
	case SETALL: return semctl_main(t, sn, semid, semnum, cmd, arg);
	case SETVAL: return semctl_setval(t, sn, semid, semnum, (int32_t)arg);
	case IPC_SET:
	case IPC_RMID: return semctl_down(t, sn, semid, cmd, arg, ipc64);
	default: return -EINVAL;
	}
}

/* ---- exit ---- */

static bool last_of_group(const struct task *t)
{
	struct sched *s = t->sched;
	for (size_t i = 0; s && i < s->nr; i++) {
		const struct task *o = s->tasks[i];
		if (o != t && o->tgid == t->tgid && o->state < EXIT_ZOMBIE && !o->exited)
			return false;
	}
	return true;
}

void exit_sem(struct task *t)
{
	struct sem_ns *sn = ipc_sem_ns(t);
	if (!sn)
		return;
	for (struct sem_queue *q = sn->pending; q;) {
		struct sem_queue *next = q->next;
		if (q->task == t)
			unlink_queue(sn, q);
		q = next;
	}
	if (!last_of_group(t))
		return;
	int64_t now = ipc_now(t);
	for (struct sem_undo **pp = &sn->undos; *pp;) {
		struct sem_undo *u = *pp;
		if (u->tgid != t->tgid) {
			pp = &u->next;
			continue;
		}
		*pp = u->next;
		struct sem_array *sma = sem_obtain(sn, u->semid);
		if (sma) {
			/* the adjustment, clamped to what a semaphore can hold */
			for (uint32_t i = 0; i < sma->nsems && i < u->nsems; i++) {
				if (!u->semadj[i])
					continue;
				int v = sma->sems[i].semval + u->semadj[i];
				sma->sems[i].semval = v < 0 ? 0 : v > SEMVMX ? SEMVMX : v;
				sma->sems[i].sempid = t->tgid;
			}
			for (struct sem_queue *q = sn->pending; q; q = q->next)
				if (q->un == u)
					q->un = NULL;
			update_queue(sn, sma, now);
		}
		uncharge(t, u->kobj);
		free(u);
	}
}

/* ---- /proc ---- */

void sem_proc_show(struct sbuf *b, struct task *t)
{
	struct sem_ns *sn = ipc_sem_ns(t);
	sb_printf(b,
		  "       key      semid perms      nsems   uid   gid  cuid  cgid      otime      "
		  "ctime\n");
	for (uint32_t i = 0; sn && i < sn->ids.hwm; i++) {
		const struct sem_array *sma = (const struct sem_array *)sn->ids.slot[i];
		if (!sma)
			continue;
		sb_printf(b, "%10d %10d  %4o %10u %5u %5u %5u %5u %10llu %10llu\n", sma->perm.key,
			  sma->perm.id, sma->perm.mode, sma->nsems, sma->perm.uid, sma->perm.gid,
			  sma->perm.cuid, sma->perm.cgid, (unsigned long long)sma->otime,
			  (unsigned long long)sma->ctime);
	}
}

/* ---- the system calls ---- */

long sys_semget(struct task *t, const uint32_t *a)
{
	return do_semget(t, (int32_t)a[0], (int)a[1], a[2]);
}

long sys_semctl(struct task *t, const uint32_t *a)
{
	return do_semctl(t, (int)a[0], (int)a[1], a[2], a[3], true);
}

long sys_semtimedop_time64(struct task *t, const uint32_t *a)
{
	return do_semtimedop(t, (int)a[0], a[1], a[2], a[3], true);
}

long sem_ipc_call(struct task *t, uint32_t call, uint32_t version, const uint32_t *a)
{
	(void)version;
	switch (call) {
	case IPCCALL_SEMOP: return do_semtimedop(t, (int)a[1], a[4], a[2], 0, false);
	case IPCCALL_SEMTIMEDOP: return do_semtimedop(t, (int)a[1], a[4], a[2], a[5], false);
	case IPCCALL_SEMGET: return do_semget(t, (int32_t)a[1], (int)a[2], a[3]);
	default: { /* SEMCTL: the semun is read through ptr; IPC_64 chooses the layout */
		uint32_t arg, cmd = a[3];
		if (!a[4])
			return -EINVAL;
		if (get_user_u32(t, a[4], &arg))
			return -EFAULT;
		bool ipc64 = cmd & IPC_64;
		cmd &= ~(uint32_t)IPC_64;
		return do_semctl(t, (int)a[1], (int)a[2], cmd, arg, ipc64);
	}
	}
}
