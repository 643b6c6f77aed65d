/*
 * SysV message queues, in the shape of Linux's ipc/msg.c. A receiver that finds nothing
 * queues itself and blocks; msgsnd hands a new message straight to the first waiting
 * receiver it suits (pipelined_send), in order of arrival, so the receiver, running again,
 * finds it waiting in its entry. A sender facing a full queue queues itself too and is woken
 * (to try again) when a receive makes room. Removal wakes everyone with EIDRM.
 *
 * Messages live on the host heap, charged to the slab as Linux's struct msg_msg and its
 * msg_msgseg continuation pieces are.
 */
#include "kernel/ipc/msg.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "kernel/fs/fs_internal.h"
#include "kernel/ipc/util.h"
#include "kernel/mm/kmem.h"
#include "kernel/procfs_buf.h"
#include "kernel/sched.h"
#include "kernel/signal.h"
#include "kernel/sys_time.h"
#include "kernel/task.h"
#include "kernel/uaccess.h"

/* include/uapi/linux/msg.h */
#define MSG_STAT 11
#define MSG_INFO 12
#define MSG_STAT_ANY 13
#define MSG_NOERROR 010000
#define MSG_EXCEPT 020000
#define MSG_COPY 040000
#define MSGPOOL (MSGMNI * MSGMNB / 1024)
#define MSGTQL MSGMNB
#define MSGMAP MSGMNB
#define MSGSSZ 16
#define MSGSEG 0xffff /* (MSGPOOL * 1024) / MSGSSZ, capped */
/* ipc(2) call numbers */
#define IPCCALL_MSGSND 11
#define IPCCALL_MSGRCV 12
#define IPCCALL_MSGGET 13
#define IPCCALL_MSGCTL 14

#define PAGE_SZ 4096u
#define MSG_HDR 24u /* struct msg_msg on i386 */
#define SEG_HDR 4u  /* struct msg_msgseg */

struct msg_msg {
	struct msg_msg *next;
	int32_t mtype;
	uint32_t len;
	uint32_t *kobj; /* the slab objects of its pieces */
	uint32_t nkobj;
	uint8_t data[];
};

struct msg_queue {
	struct kern_ipc_perm perm;
	int64_t stime, rtime, ctime;
	uint32_t cbytes, qnum, qbytes;
	int lspid, lrpid;
	struct msg_msg *head, **tail;
	uint32_t kobj;
};

enum waiter_kind { RECEIVER, SENDER };

/* A sleeping msgrcv (struct msg_receiver) or msgsnd (struct msg_sender). */
struct msg_waiter {
	struct msg_waiter *next;
	enum waiter_kind kind;
	struct task *task;
	struct msg_queue *q; /* NULL once done */
	int32_t msgtyp;
	int mode;
	uint32_t maxsize; /* receiver: the largest message it takes */
	uint32_t msgsz;	  /* sender: the size it wants room for */
	bool done;
	long status;	     /* 0 with msg, or -E2BIG, -EIDRM, -EAGAIN (try again) */
	struct msg_msg *msg; /* handed by pipelined_send */
};

struct msg_ns {
	struct ipc_ids ids;
	uint32_t msg_hdrs, msg_bytes; /* messages and bytes queued, for MSG_INFO */
	struct msg_waiter *waiters, **waiters_tail;
	bool reported_copy;
};

enum { SEARCH_ANY, SEARCH_EQUAL, SEARCH_NOTEQUAL, SEARCH_LESSEQUAL };

struct msg_ns *msg_ns_create(void)
{
	struct msg_ns *mn = calloc(1, sizeof *mn);
	if (!mn)
		return NULL;
	if (ipc_ids_init(&mn->ids, MSGMNI)) {
		free(mn);
		return NULL;
	}
	mn->waiters_tail = &mn->waiters;
	return mn;
}

static void free_msg(struct task *t, struct msg_msg *m)
{
	if (!m)
		return;
	for (uint32_t i = 0; t && t->km && i < m->nkobj; i++)
		kfree(t->km, m->kobj[i]);
	free(m->kobj);
	free(m);
}

void msg_ns_destroy(struct msg_ns *mn)
{
	if (!mn)
		return;
	/* the machine goes: kernel memory with it, nothing to give back */
	for (uint32_t i = 0; i < mn->ids.hwm; i++) {
		struct msg_queue *q = (struct msg_queue *)mn->ids.slot[i];
		if (!q)
			continue;
		while (q->head) {
			struct msg_msg *m = q->head;
			q->head = m->next;
			free_msg(NULL, m);
		}
		free(q);
	}
	while (mn->waiters) {
		struct msg_waiter *w = mn->waiters;
		mn->waiters = w->next;
		free_msg(NULL, w->msg);
		free(w);
	}
	ipc_ids_free(&mn->ids);
	free(mn);
}

/* load_msg: the text from the user, in pieces as alloc_msg makes them. */
static long load_msg(struct task *t, uint32_t src, uint32_t len, struct msg_msg **out)
{
	struct msg_msg *m = calloc(1, sizeof *m + len);
	if (!m)
		return -ENOMEM;
	m->len = len;
	uint32_t first = len < PAGE_SZ - MSG_HDR ? len : PAGE_SZ - MSG_HDR;
	uint32_t rest = len - first;
	uint32_t pieces = 1 + (rest + PAGE_SZ - SEG_HDR - 1) / (PAGE_SZ - SEG_HDR);
	m->kobj = calloc(pieces, sizeof *m->kobj);
	if (!m->kobj) {
		free(m);
		return -ENOMEM;
	}
	for (uint32_t i = 0; i < pieces; i++) {
		uint32_t sz = i == 0 ? MSG_HDR + first : SEG_HDR;
		if (i) {
			uint32_t n = rest < PAGE_SZ - SEG_HDR ? rest : PAGE_SZ - SEG_HDR;
			sz += n;
			rest -= n;
		}
		if (t->km) {
			m->kobj[i] = kmalloc(t->km, sz, GFP_KERNEL);
			if (!m->kobj[i]) {
				free_msg(t, m);
				return -ENOMEM;
			}
			m->nkobj = i + 1;
		}
	}
	if (len && copy_from_user(t, m->data, src, len)) {
		free_msg(t, m);
		return -EFAULT;
	}
	*out = m;
	return 0;
}

static struct msg_queue *msq_obtain(struct msg_ns *mn, int id)
{
	return (struct msg_queue *)ipc_obtain(&mn->ids, id);
}

static void complete(struct msg_waiter *w, long status, struct msg_msg *m)
{
	w->done = true;
	w->status = status;
	w->msg = m;
	w->q = NULL;
	wake_up_task(w->task, WAIT_MSG);
}

static void unlink_waiter(struct msg_ns *mn, struct msg_waiter *w)
{
	for (struct msg_waiter **pp = &mn->waiters; *pp; pp = &(*pp)->next) {
		if (*pp != w)
			continue;
		*pp = w->next;
		if (mn->waiters_tail == &w->next)
			mn->waiters_tail = pp;
		break;
	}
	free(w);
}

static void add_waiter(struct msg_ns *mn, struct msg_waiter *w)
{
	*mn->waiters_tail = w;
	mn->waiters_tail = &w->next;
}

/* Puts t to sleep on q as a sender or receiver (what: the call, for the report of a run
 * that could never wake it): *w is its new waiter record, for the caller to complete, or
 * NULL when t does not sleep (then the call's result is returned). */
static long msg_sleep(struct task *t, struct msg_ns *mn, struct msg_queue *q, enum waiter_kind kind,
		      const char *what, struct msg_waiter **w)
{
	*w = NULL;
	if (!t->sched)
		return signal_pending(t) ? -EINTR : fs_would_block_forever(t, what);
	long r = sched_block(t, WAIT_MSG, -1, 0);
	if (r != -ERESTART_SCHED)
		return -EINTR;
	*w = calloc(1, sizeof **w);
	if (!*w) {
		t->state = TASK_RUNNING;
		return -ENOMEM;
	}
	(*w)->kind = kind;
	(*w)->task = t;
	(*w)->q = q;
	add_waiter(mn, *w);
	return r;
}

static struct msg_waiter *find_waiter(struct msg_ns *mn, const struct task *t)
{
	for (struct msg_waiter *w = mn->waiters; w; w = w->next)
		if (w->task == t)
			return w;
	return NULL;
}

static bool fits(const struct msg_queue *q, uint32_t sz)
{
	return (uint64_t)q->cbytes + sz <= q->qbytes && 1 + (uint64_t)q->qnum <= q->qbytes;
}

/* ss_wakeup: the senders whose message now fits try again. */
static void ss_wakeup(struct msg_ns *mn, struct msg_queue *q)
{
	for (struct msg_waiter *w = mn->waiters; w; w = w->next)
		if (w->kind == SENDER && !w->done && w->q == q && fits(q, w->msgsz))
			wake_up_task(w->task, WAIT_MSG);
}

bool msg_testmsg(int32_t mtype, int32_t msgtyp, int mode)
{
	switch (mode) {
	case SEARCH_ANY: return true;
	case SEARCH_LESSEQUAL: return mtype <= msgtyp;
	case SEARCH_EQUAL: return mtype == msgtyp;
	case SEARCH_NOTEQUAL: return mtype != msgtyp;
	default: return false;
	}
}

/* convert_mode: how msgrcv's type selects, and the type it compares with. */
int msg_convert_mode(int32_t *msgtyp, uint32_t flg)
{
	if (*msgtyp == 0)
		return SEARCH_ANY;
	if (*msgtyp < 0) {
		*msgtyp = *msgtyp == INT32_MIN ? INT32_MAX : -*msgtyp;
		return SEARCH_LESSEQUAL;
	}
	return (flg & MSG_EXCEPT) ? SEARCH_NOTEQUAL : SEARCH_EQUAL;
}

/* pipelined_send: the first waiting receiver the message suits takes it; one it is too
 * large for gets E2BIG and the search goes on. */
static bool pipelined_send(struct task *t, struct msg_ns *mn, struct msg_queue *q,
			   struct msg_msg *m)
{
	for (struct msg_waiter *w = mn->waiters; w; w = w->next) {
		if (w->kind != RECEIVER || w->done || w->q != q ||
		    !msg_testmsg(m->mtype, w->msgtyp, w->mode))
			continue;
		if (w->maxsize < m->len) {
			complete(w, -E2BIG, NULL);
			continue;
		}
		q->lrpid = w->task->tgid;
		q->rtime = ipc_now(t);
		complete(w, 0, m);
		return true;
	}
	return false;
}

/* expunge_all and ss_wakeup(kill): everyone waiting on q gets status. */
static void wake_all(struct msg_ns *mn, struct msg_queue *q, long status, bool senders)
{
	for (struct msg_waiter *w = mn->waiters; w; w = w->next)
		if (!w->done && w->q == q && (senders || w->kind == RECEIVER))
			complete(w, status, NULL);
}

static void freeque(struct task *t, struct msg_ns *mn, struct msg_queue *q)
{
	wake_all(mn, q, -EIDRM, true);
	while (q->head) {
		struct msg_msg *m = q->head;
		q->head = m->next;
		mn->msg_hdrs--;
		mn->msg_bytes -= m->len;
		free_msg(t, m);
	}
	ipc_rmid(&mn->ids, &q->perm);
	if (t->km)
		kfree(t->km, q->kobj);
	free(q);
}

/* ---- msgget ---- */

static long newque(struct task *t, struct msg_ns *mn, int32_t key, uint32_t flg)
{
	if (mn->ids.in_use >= MSGMNI)
		return -ENOSPC;
	struct msg_queue *q = calloc(1, sizeof *q);
	if (!q)
		return -ENOMEM;
	if (t->km && !(q->kobj = kzalloc(t->km, 128, GFP_KERNEL))) { /* struct msg_queue */
		free(q);
		return -ENOMEM;
	}
	ipc_perm_init(&q->perm, t, key, flg);
	q->ctime = ipc_now(t);
	q->qbytes = MSGMNB;
	q->tail = &q->head;
	int id = ipc_addid(&mn->ids, &q->perm);
	if (id < 0) {
		if (t->km)
			kfree(t->km, q->kobj);
		free(q);
	}
	return id;
}

static long do_msgget(struct task *t, int32_t key, uint32_t flg)
{
	struct msg_ns *mn = ipc_msg_ns(t);
	if (!mn)
		return -ENOMEM;
	if (key == IPC_PRIVATE)
		return newque(t, mn, key, flg);
	struct msg_queue *q = (struct msg_queue *)ipc_findkey(&mn->ids, key);
	if (!q)
		return (flg & IPC_CREAT) ? newque(t, mn, key, flg) : -ENOENT;
	if ((flg & IPC_CREAT) && (flg & IPC_EXCL))
		return -EEXIST;
	int r = ipcperms(t, &q->perm, flg & 0777);
	return r ? r : q->perm.id;
}

/* ---- msgsnd ---- */

long do_msgsnd(struct task *t, int msqid, uint32_t msgp, uint32_t msgsz, uint32_t flg)
{
	struct msg_ns *mn = ipc_msg_ns(t);
	if (!mn)
		return -ENOMEM;
	struct msg_waiter *w = find_waiter(mn, t);
	if (w) {
		/* running again after a wait: removed, interrupted, or try again */
		long st = w->done ? w->status : 0;
		unlink_waiter(mn, w);
		if (st)
			return st;
		if (signal_pending(t))
			return -EINTR;
	}
	uint32_t mtype;
	if (get_user_u32(t, msgp, &mtype))
		return -EFAULT;
	if (msgsz > MSGMAX || (int32_t)msgsz < 0 || msqid < 0)
		return -EINVAL;
	if ((int32_t)mtype < 1)
		return -EINVAL;
	struct msg_queue *q = msq_obtain(mn, msqid);
	if (!q)
		return -EINVAL;
	if (ipcperms(t, &q->perm, 0222))
		return -EACCES;
	if (!fits(q, msgsz)) {
		if (flg & IPC_NOWAIT)
			return -EAGAIN;
		long r = msg_sleep(t, mn, q, SENDER, "msgsnd", &w);
		if (w)
			w->msgsz = msgsz;
		return r;
	}
	struct msg_msg *m = NULL;
	long r = load_msg(t, msgp + 4, msgsz, &m);
	if (r)
		return r;
	m->mtype = (int32_t)mtype;
	q->lspid = t->tgid;
	q->stime = ipc_now(t);
	if (!pipelined_send(t, mn, q, m)) {
		*q->tail = m;
		q->tail = &m->next;
		q->cbytes += msgsz;
		q->qnum++;
		mn->msg_hdrs++;
		mn->msg_bytes += msgsz;
	}
	return 0;
}

/* ---- msgrcv ---- */

/* do_msg_fill: mtype and as much of the text as fits; the bytes given, or -EFAULT. */
static long msg_fill(struct task *t, uint32_t msgp, const struct msg_msg *m, uint32_t bufsz)
{
	uint32_t n = bufsz > m->len ? m->len : bufsz;
	if (put_user_u32(t, msgp, (uint32_t)m->mtype))
		return -EFAULT;
	if (n && copy_to_user(t, msgp + 4, m->data, n))
		return -EFAULT;
	return n;
}

/* find_msg: the first message of the type; for SEARCH_LESSEQUAL the first of the lowest. */
static struct msg_msg **find_msg(struct msg_queue *q, int32_t msgtyp, int mode)
{
	struct msg_msg **found = NULL;
	for (struct msg_msg **pp = &q->head; *pp; pp = &(*pp)->next) {
		if (!msg_testmsg((*pp)->mtype, msgtyp, mode))
			continue;
		if (mode == SEARCH_LESSEQUAL && (*pp)->mtype != 1) {
			msgtyp = (*pp)->mtype - 1;
			found = pp;
		} else {
			return pp;
		}
	}
	return found;
}

long do_msgrcv(struct task *t, int msqid, uint32_t msgp, uint32_t bufsz, int32_t msgtyp,
	       uint32_t flg)
{
	struct msg_ns *mn = ipc_msg_ns(t);
	if (!mn)
		return -ENOMEM;
	struct msg_waiter *w = find_waiter(mn, t);
	if (w) {
		if (w->done && w->status != -EAGAIN) {
			long r = w->status;
			if (w->msg) {
				r = msg_fill(t, msgp, w->msg, bufsz);
				free_msg(t, w->msg);
			}
			unlink_waiter(mn, w);
			return r;
		}
		bool again = w->done; /* IPC_SET changed the rules: look again */
		if (!again && !signal_pending(t))
			return sched_block(t, WAIT_MSG, -1, 0);
		unlink_waiter(mn, w);
		if (signal_pending(t))
			return -EINTR;
	}
	if (msqid < 0 || (int32_t)bufsz < 0)
		return -EINVAL;
	if (flg & MSG_COPY) {
		if (!mn->reported_copy)
			fprintf(stderr, "vmlab: unimplemented msgrcv flag MSG_COPY\n");
		mn->reported_copy = true;
		return -ENOSYS;
	}
	int mode = msg_convert_mode(&msgtyp, flg);
	struct msg_queue *q = msq_obtain(mn, msqid);
	if (!q)
		return -EINVAL;
	if (ipcperms(t, &q->perm, 0444))
		return -EACCES;
	struct msg_msg **pp = find_msg(q, msgtyp, mode);
	if (pp) {
		struct msg_msg *m = *pp;
		if (bufsz < m->len && !(flg & MSG_NOERROR))
			return -E2BIG;
		*pp = m->next;
		if (q->tail == &m->next)
			q->tail = pp;
		q->qnum--;
		q->rtime = ipc_now(t);
		q->lrpid = t->tgid;
		q->cbytes -= m->len;
		mn->msg_hdrs--;
		mn->msg_bytes -= m->len;
		ss_wakeup(mn, q);
		long r = msg_fill(t, msgp, m, bufsz);
		free_msg(t, m);
		return r;
	}
	if (flg & IPC_NOWAIT)
		return -ENOMSG;
	long r = msg_sleep(t, mn, q, RECEIVER, "msgrcv", &w);
	if (w) {
		w->msgtyp = msgtyp;
		w->mode = mode;
		w->maxsize = (flg & MSG_NOERROR) ? INT32_MAX : bufsz;
	}
	return r;
}

/* ---- msgctl ---- */

static long put_msqid(struct task *t, uint32_t buf, const struct msg_queue *q, bool ipc64)
{
	uint8_t out[88] = {0};
	if (ipc64) {
		ipc64_perm_put(&q->perm, out);
		ipc_put32(out + 36, (uint32_t)q->stime);
		ipc_put32(out + 40, (uint32_t)((uint64_t)q->stime >> 32));
		ipc_put32(out + 44, (uint32_t)q->rtime);
		ipc_put32(out + 48, (uint32_t)((uint64_t)q->rtime >> 32));
		ipc_put32(out + 52, (uint32_t)q->ctime);
		ipc_put32(out + 56, (uint32_t)((uint64_t)q->ctime >> 32));
		ipc_put32(out + 60, q->cbytes);
		ipc_put32(out + 64, q->qnum);
		ipc_put32(out + 68, q->qbytes);
		ipc_put32(out + 72, (uint32_t)q->lspid);
		ipc_put32(out + 76, (uint32_t)q->lrpid);
		return copy_to_user(t, buf, out, 88) ? -EFAULT : 0;
	}
	/* struct msqid_ds: 16-bit counts, the full ones in the "junk" fields */
	ipc_old_perm_put(&q->perm, out);
	ipc_put32(out + 24, (uint32_t)q->stime);
	ipc_put32(out + 28, (uint32_t)q->rtime);
	ipc_put32(out + 32, (uint32_t)q->ctime);
	ipc_put32(out + 36, q->cbytes);
	ipc_put32(out + 40, q->qbytes);
	ipc_put16(out + 44, (uint16_t)(q->cbytes > 0xFFFF ? 0xFFFF : q->cbytes));
	ipc_put16(out + 46, (uint16_t)(q->qnum > 0xFFFF ? 0xFFFF : q->qnum));
	ipc_put16(out + 48, (uint16_t)(q->qbytes > 0xFFFF ? 0xFFFF : q->qbytes));
	ipc_put16(out + 50, (uint16_t)q->lspid);
	ipc_put16(out + 52, (uint16_t)q->lrpid);
	return copy_to_user(t, buf, out, 56) ? -EFAULT : 0;
}

static long msgctl_info(struct task *t, struct msg_ns *mn, uint32_t cmd, uint32_t buf)
{
	uint8_t out[32] = {0};
	bool info = cmd == MSG_INFO;
	ipc_put32(out, info ? mn->ids.in_use : MSGPOOL);    /* msgpool */
	ipc_put32(out + 4, info ? mn->msg_hdrs : MSGMAP);   /* msgmap */
	ipc_put32(out + 8, MSGMAX);			    /* msgmax */
	ipc_put32(out + 12, MSGMNB);			    /* msgmnb */
	ipc_put32(out + 16, MSGMNI);			    /* msgmni */
	ipc_put32(out + 20, MSGSSZ);			    /* msgssz */
	ipc_put32(out + 24, info ? mn->msg_bytes : MSGTQL); /* msgtql */
	ipc_put16(out + 28, MSGSEG);			    /* msgseg */
	int max = ipc_get_maxidx(&mn->ids);
	if (copy_to_user(t, buf, out, sizeof out))
		return -EFAULT;
	return max < 0 ? 0 : max;
}

static long msgctl_down(struct task *t, struct msg_ns *mn, int msqid, uint32_t cmd, uint32_t buf,
			bool ipc64)
{
	uint32_t uid = 0, gid = 0, mode = 0, qbytes = 0;
	if (cmd == IPC_SET) {
		uint8_t in[88];
		if (copy_from_user(t, in, buf, ipc64 ? 88 : 56))
			return -EFAULT;
		if (ipc64) {
			ipc64_perm_get(in, &uid, &gid, &mode);
			qbytes = ipc_get32(in + 68);
		} else {
			ipc_old_perm_get(in, &uid, &gid, &mode);
			qbytes = ipc_get16(in + 48);
			if (!qbytes)
				qbytes = ipc_get32(in + 40);
		}
	}
	struct msg_queue *q = msq_obtain(mn, msqid);
	if (!q)
		return -EINVAL;
	if (!ipc_is_owner(t, &q->perm))
		return -EPERM;
	if (cmd == IPC_RMID) {
		freeque(t, mn, q);
		return 0;
	}
	if (qbytes > MSGMNB && t->euid != 0) /* CAP_SYS_RESOURCE */
		return -EPERM;
	q->perm.uid = uid;
	q->perm.gid = gid;
	q->perm.mode = (q->perm.mode & ~0777u) | (mode & 0777u);
	q->qbytes = qbytes;
	q->ctime = ipc_now(t);
	/* receivers look again (the permissions may exclude them now); senders may fit */
	wake_all(mn, q, -EAGAIN, false);
	ss_wakeup(mn, q);
	return 0;
}

long do_msgctl(struct task *t, int msqid, uint32_t cmd, uint32_t buf, bool ipc64)
{
	struct msg_ns *mn = ipc_msg_ns(t);
	if (!mn)
		return -ENOMEM;
	if (msqid < 0 || (int32_t)cmd < 0)
		return -EINVAL;
	switch (cmd) {
	case IPC_INFO:
	case MSG_INFO: return msgctl_info(t, mn, cmd, buf);
	case IPC_STAT:
	case MSG_STAT:
	case MSG_STAT_ANY: {
		struct msg_queue *q = cmd == IPC_STAT
					  ? msq_obtain(mn, msqid)
					  : (struct msg_queue *)ipc_obtain_idx(&mn->ids, msqid);
		if (!q)
			return -EINVAL;
		if (cmd != MSG_STAT_ANY && ipcperms(t, &q->perm, 0444))
			return -EACCES;
		long r = put_msqid(t, buf, q, ipc64);
		if (r)
			return r;
		return cmd == IPC_STAT ? 0 : q->perm.id;
	}
	case IPC_SET:
	case IPC_RMID: return msgctl_down(t, mn, msqid, cmd, buf, ipc64);
	default: return -EINVAL;
	}
}

void exit_msg(struct task *t)
{
	struct msg_ns *mn = ipc_msg_ns(t);
	if (!mn)
		return;
	for (struct msg_waiter *w = mn->waiters; w;) {
		struct msg_waiter *next = w->next;
		if (w->task == t) {
			/* a message handed to a receiver that died is lost, as in Linux */
			free_msg(t, w->msg);
			unlink_waiter(mn, w);
		}
		w = next;
	}
}

void msg_proc_show(struct sbuf *b, struct task *t)
{
	struct msg_ns *mn = ipc_msg_ns(t);
	sb_printf(b, "       key      msqid perms      cbytes       qnum lspid lrpid   uid   gid  "
		     "cuid  cgid      stime      rtime      ctime\n");
	for (uint32_t i = 0; mn && i < mn->ids.hwm; i++) {
		const struct msg_queue *q = (const struct msg_queue *)mn->ids.slot[i];
		if (!q)
			continue;
		sb_printf(
		    b, "%10d %10d  %4o  %10u %10u %5u %5u %5u %5u %5u %5u %10llu %10llu %10llu\n",
		    q->perm.key, q->perm.id, q->perm.mode, q->cbytes, q->qnum, q->lspid, q->lrpid,
		    q->perm.uid, q->perm.gid, q->perm.cuid, q->perm.cgid,
		    (unsigned long long)q->stime, (unsigned long long)q->rtime,
		    (unsigned long long)q->ctime);
	}
}

/* ---- the system calls ---- */

long sys_msgget(struct task *t, const uint32_t *a)
{
	return do_msgget(t, (int32_t)a[0], a[1]);
}

long sys_msgsnd(struct task *t, const uint32_t *a)
{
	return do_msgsnd(t, (int)a[0], a[1], a[2], a[3]);
}

long sys_msgrcv(struct task *t, const uint32_t *a)
{
	return do_msgrcv(t, (int)a[0], a[1], a[2], (int32_t)a[3], a[4]);
}

long sys_msgctl(struct task *t, const uint32_t *a)
{
	return do_msgctl(t, (int)a[0], a[1], a[2], true);
}

long msg_ipc_call(struct task *t, uint32_t call, uint32_t version, const uint32_t *a)
{
	switch (call) {
	case IPCCALL_MSGSND: return do_msgsnd(t, (int)a[1], a[4], a[2], a[3]);
	case IPCCALL_MSGRCV:
		if (version == 0) {
			/* struct ipc_kludge { msgp, msgtyp } through ptr */
			uint32_t k[2];
			if (!a[4])
				return -EINVAL;
			if (copy_from_user(t, k, a[4], sizeof k))
				return -EFAULT;
			return do_msgrcv(t, (int)a[1], k[0], a[2], (int32_t)k[1], a[3]);
		}
		return do_msgrcv(t, (int)a[1], a[4], a[2], (int32_t)a[5], a[3]);
	case IPCCALL_MSGGET: return do_msgget(t, (int32_t)a[1], a[2]);
	default: { /* MSGCTL */
		uint32_t cmd = a[2];
		bool ipc64 = cmd & IPC_64;
		cmd &= ~(uint32_t)IPC_64;
		return do_msgctl(t, (int)a[1], cmd, a[4], ipc64);
	}
	}
}
