/*
 * Exit, zombies, reparenting and wait (kernel/exit.c).
 */
#include "kernel/exit.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "kernel/fs/file.h"
#include "kernel/fs/fs.h"
#include "kernel/ipc/util.h"
#include "kernel/mm/mmap.h"
#include "kernel/ktrace.h"
#include "kernel/sched.h"
#include "kernel/signal.h"
#include "kernel/sys_time.h"
#include "kernel/tls.h"
#include "kernel/uaccess.h"

#define SIGCHLD_ 17
#define SA_NOCLDWAIT_ 0x00000002u
#define RLIMIT_CORE_ 4
/* siginfo si_code for SIGCHLD */
#define K_CLD_EXITED 1
#define K_CLD_KILLED 2
#define K_CLD_DUMPED 3
#define K_CLD_STOPPED 5
#define K_CLD_CONTINUED 6
#define SA_NOCLDSTOP_ 0x00000001u
#define SIGHUP_ 1
#define SIGCONT_ 18
/* wait options */
#define K_WNOHANG 0x00000001u
#define K_WUNTRACED 0x00000002u
#define K_WEXITED 0x00000004u
#define K_WCONTINUED 0x00000008u
#define K_WNOWAIT 0x01000000u
#define K___WNOTHREAD 0x20000000u
#define K___WALL 0x40000000u
#define K___WCLONE 0x80000000u
/* waitid idtype */
#define K_P_ALL 0
#define K_P_PID 1
#define K_P_PGID 2

static bool sig_dumps_core(int sig)
{
	switch (sig) {
	case 3:
	case 4:
	case 5:
	case 6:
	case 7:
	case 8:
	case 11:
	case 24:
	case 25:
	case 31: return true;
	default: return false;
	}
}

/* Whether another live task still uses what t is about to drop. */
static bool shared_with_other(struct task *t, const void *what, size_t off)
{
	struct sched *s = t->sched;
	for (size_t i = 0; s && i < s->nr; i++) {
		struct task *o = s->tasks[i];
		if (o == t || o->state == EXIT_ZOMBIE || o->state == EXIT_DEAD)
			continue;
		const void *p;
		memcpy(&p, (const char *)o + off, sizeof p);
		if (p == what)
			return true;
	}
	return false;
}

/* release_task: the zombie is gone; its counts go to the parent that reaped it. */
static void release_task(struct task *t)
{
	struct sched *s = t->sched;
	t->state = EXIT_DEAD;
	if (t->signal)
		signal_free(t);
	if (s)
		sched_remove(s, t);
}

static void reap_into(struct task *parent, struct task *c)
{
	parent->cmin_flt += c->min_flt + c->cmin_flt;
	parent->cmaj_flt += c->maj_flt + c->cmaj_flt;
	parent->cutime_insns += c->utime_insns + c->cutime_insns;
}

/* exit_mm: the address space is released after the switch away (sched.c); a vfork parent
 * is let go now. */
static void exit_mm(struct task *t)
{
	struct mm_struct *mm = t->mm;
	if (t->vfork_parent) {
		wake_up_task(t->vfork_parent, WAIT_VFORK);
		t->vfork_parent = NULL;
	}
	if (!mm)
		return;
	if (mm->owner == t) {
		/* mm_update_next_owner: the machine and limits come from another user */
		for (size_t i = 0; t->sched && i < t->sched->nr; i++) {
			struct task *o = t->sched->tasks[i];
			if (o != t && o->mm == mm && o->state != EXIT_DEAD)
				mm->owner = o;
		}
	}
	t->mm = NULL;
	if (mm->hiwater_rss > t->maxrss_pages)
		t->maxrss_pages = mm->hiwater_rss;
	struct sched *s = t->sched;
	if (s && s->active_mm == mm && mm->mm_users == 1) {
		/* CR3 still holds its directory: freed once the next task's is loaded */
		if (s->mm_to_drop)
			mmput(s->mm_to_drop);
		/* the task may be freed first: the machine is reached through init */
		mm->owner = s->init;
		s->mm_to_drop = mm;
	} else {
		mmput(mm);
	}
}

static void exit_files(struct task *t)
{
	if (t->files && shared_with_other(t, t->files, offsetof(struct task, files)))
		t->files = NULL;
	if (t->fs && shared_with_other(t, t->fs, offsetof(struct task, fs)))
		t->fs = NULL;
	if (t->sched && t == t->sched->first) {
		/* put_files_struct: the first program's descriptors close at its exit too, so
		 * that a child reading a pipe it held sees the end. vmlab's own 0-2 are not
		 * among them (the guest's are duplicates); its fs context stays for whoever
		 * set it up (cmd_run's fs_teardown). */
		put_files_struct(t);
		return;
	}
	fs_teardown(t);
}

static void kill_orphaned_pgrp(struct task *t, struct task *child);

/* find_alive_thread: another thread of t's process that is not leaving, or NULL. */
static struct task *find_alive_thread(struct task *t)
{
	struct sched *s = t->sched;
	for (size_t i = 0; i < s->nr; i++) {
		struct task *o = s->tasks[i];
		if (o != t && o->tgid == t->tgid && !o->exited && o->state < EXIT_ZOMBIE)
			return o;
	}
	return NULL;
}

/* forget_original_parent: the children go to another thread of the process (which sees no
 * change: they are still its process's), or to init, which reaps the dead ones. */
static void reparent_children(struct task *t)
{
	struct sched *s = t->sched;
	struct task *reaper = find_alive_thread(t);
	for (size_t i = 0; i < s->nr; i++) {
		struct task *c = s->tasks[i];
		if (c->real_parent != t || c == t)
			continue;
		if (reaper) {
			c->real_parent = reaper;
			continue;
		}
		c->real_parent = s->init;
		c->ppid = PID_INIT;
		if (c->state == EXIT_ZOMBIE) {
			release_task(c);
			i--; /* the list moved down */
			continue;
		}
		/* reparent_leader: the child's group may be orphaned now */
		if (c->group_leader == c)
			kill_orphaned_pgrp(t, c);
	}
}

/* How dead child c ended, as SIGCHLD and waitid report it: si_code, si_pid, si_uid, si_status. */
static void child_exit_info(const struct task *c, struct siginfo_i386 *info)
{
	if (c->exit_signal) {
		info->si_code = (c->wait_status & 0x80) ? K_CLD_DUMPED : K_CLD_KILLED;
		info->u[2] = (uint32_t)c->exit_signal;
	} else {
		info->si_code = K_CLD_EXITED;
		info->u[2] = (uint32_t)(c->exit_code & 0xff);
	}
	info->u[0] = (uint32_t)c->tgid;
	info->u[1] = c->uid;
}

/* do_notify_parent: SIGCHLD with the child's status; true when nobody will wait for it. */
/* __wake_up_parent: every thread of p's process waiting for a child looks again (a thread
 * may wait for the children of any thread of its process). */
static void wake_up_parent(struct task *p)
{
	struct sched *s = p->sched;
	if (!s) {
		wake_up_task(p, WAIT_CHILD);
		return;
	}
	for (size_t i = 0; i < s->nr; i++)
		if (s->tasks[i]->tgid == p->tgid)
			wake_up_task(s->tasks[i], WAIT_CHILD);
}

static bool notify_parent(struct task *t)
{
	struct task *p = t->real_parent;
	if (!p || p == t->sched->init)
		return true;
	int sig = t->exit_signal_parent;
	bool autoreap = false;
	struct k_sigaction *ka = p->signal ? &p->signal->sighand->action[SIGCHLD_] : NULL;
	if (sig == SIGCHLD_ && ka && (ka->handler == 1 || (ka->flags & SA_NOCLDWAIT_))) {
		autoreap = true;
		if (ka->handler == 1)
			sig = 0;
	}
	if (sig > 0 && p->signal) {
		struct siginfo_i386 info;
		memset(&info, 0, sizeof info);
		info.si_signo = sig;
		child_exit_info(t, &info);
		/* si_utime, si_stime in clock ticks (USER_HZ 100) */
		info.u[3] = (uint32_t)((t->utime_insns + t->cutime_insns) * VMLAB_NS_PER_INSN /
				       10000000ull);
		send_sig_info(p, &info);
	}
	wake_up_parent(p);
	return autoreap;
}

void do_notify_parent_cldstop(struct task *leader, int why)
{
	struct task *p = leader->real_parent;
	if (!p || !leader->sched || p == leader->sched->init)
		return;
	struct k_sigaction *ka = p->signal ? &p->signal->sighand->action[SIGCHLD_] : NULL;
	if (ka && ka->handler != 1 && !(ka->flags & SA_NOCLDSTOP_)) {
		struct siginfo_i386 info;
		memset(&info, 0, sizeof info);
		info.si_signo = SIGCHLD_;
		info.si_code = why;
		info.u[0] = (uint32_t)leader->tgid;
		info.u[1] = leader->uid;
		info.u[2] = (uint32_t)(why == K_CLD_CONTINUED ? SIGCONT_ : leader->group_stop_code);
		info.u[3] = (uint32_t)(leader->utime_insns * VMLAB_NS_PER_INSN / 10000000ull);
		send_sig_info(p, &info);
	}
	wake_up_parent(p);
}

/* will_become_orphaned_pgrp: no live process of group pgid (but ignore) has a parent in
 * another group of the same session. A parent that is init does not count. */
static bool will_become_orphaned_pgrp(struct sched *s, int pgid, const struct task *ignore)
{
	for (size_t i = 0; i < s->nr; i++) {
		const struct task *o = s->tasks[i];
		if (o->pgid != pgid || o == ignore || o->group_leader != o ||
		    o->state >= EXIT_ZOMBIE)
			continue;
		const struct task *p = o->real_parent;
		if (!p || p == s->init)
			continue;
		if (p->pgid != pgid && p->sid == o->sid)
			return false;
	}
	return true;
}

bool is_current_pgrp_orphaned(struct task *t)
{
	if (!t->sched)
		return true;
	return will_become_orphaned_pgrp(t->sched, t->pgid, NULL);
}

static bool has_stopped_jobs(struct sched *s, int pgid)
{
	for (size_t i = 0; i < s->nr; i++) {
		const struct task *o = s->tasks[i];
		if (o->pgid == pgid && o->group_leader == o && o->state < EXIT_ZOMBIE &&
		    o->group_stopped)
			return true;
	}
	return false;
}

/* kill_orphaned_pgrp: t's exit orphans a process group (t's own, or a child's in another
 * group of the same session) that has stopped processes: POSIX says SIGHUP then SIGCONT to
 * every process of it, since nobody is left to continue them. */
static void kill_orphaned_pgrp(struct task *t, struct task *child)
{
	struct sched *s = t->sched;
	int pgid;
	const struct task *ignore = NULL;
	if (child) {
		pgid = child->pgid;
		if (t->pgid == pgid || t->sid != child->sid)
			return;
	} else {
		pgid = t->pgid;
		ignore = t;
		const struct task *p = t->real_parent;
		if (!p || p->pgid == pgid || p->sid != t->sid)
			return;
	}
	if (!will_become_orphaned_pgrp(s, pgid, ignore) || !has_stopped_jobs(s, pgid))
		return;
	for (int k = 0; k < 2; k++) {
		for (size_t i = 0; i < s->nr; i++) {
			struct task *o = s->tasks[i];
			if (o->pgid != pgid || o->group_leader != o || o->state >= EXIT_ZOMBIE)
				continue;
			struct siginfo_i386 info;
			memset(&info, 0, sizeof info);
			info.si_signo = k ? SIGCONT_ : SIGHUP_;
			info.si_code = 0x80; /* SI_KERNEL: __kill_pgrp_info with SEND_SIG_PRIV */
			send_sig_info(o, &info);
		}
	}
}

/* No thread of leader's group but the leader itself is still alive. */
static bool thread_group_empty(const struct task *leader)
{
	struct sched *s = leader->sched;
	for (size_t i = 0; s && i < s->nr; i++) {
		const struct task *o = s->tasks[i];
		if (o != leader && o->tgid == leader->tgid && o->state < EXIT_ZOMBIE)
			return false;
	}
	return true;
}

void zap_other_threads(struct task *t)
{
	struct sched *s = t->sched;
	for (size_t i = 0; s && i < s->nr; i++) {
		struct task *o = s->tasks[i];
		if (o == t || o->tgid != t->tgid || o->exited || o->state >= EXIT_ZOMBIE)
			continue;
		o->exited = true;
		o->exit_code = t->exit_code;
		o->exit_signal = t->exit_signal;
		if (o->state == TASK_INTERRUPTIBLE)
			o->wait.woken = true;
	}
}

void do_exit(struct task *t)
{
	if (t->state == EXIT_ZOMBIE || t->state == EXIT_DEAD)
		return;
	if (t->exit_signal)
		t->wait_status =
		    (t->exit_signal & 0x7f) |
		    (sig_dumps_core(t->exit_signal) && t->rlim[RLIMIT_CORE_].cur ? 0x80 : 0);
	else
		t->wait_status = (t->exit_code & 0xff) << 8;
	struct sched *s = t->sched;
	bool current = s && s->current == t;
	if (s)
		proc_acct_exit(&s->acct, t);
	if (ktrace_on(t, TRACE_SCHED))
		ktrace_sched_exit(t);
	/* mm_release: CLONE_CHILD_CLEARTID's word is cleared (and its futex woken) while the
	 * address space is still there and someone else can see it */
	if (t->clear_child_tid && current && t->mm && t->mm->mm_users > 1) {
		put_user_u32(t, t->clear_child_tid, 0);
		futex_wake(t, t->clear_child_tid, true, 1, 0xffffffffu);
	}
	t->clear_child_tid = 0;
	free(t->wait.ph);
	t->wait.ph = NULL;
	t->wait.nph = 0;
	if (current && t->ldt)
		tls_release(t);
	exit_signals(t);
	exit_sem(t);
	exit_msg(t);
	exit_mm(t);
	exit_files(t);
	COUNT(t->ctr, proc_exits);
	if (!s) {
		t->state = EXIT_DEAD;
		return;
	}
	reparent_children(t);
	if (t->group_leader == t)
		kill_orphaned_pgrp(t, NULL);
	t->jobctl_stopped = t->group_stopped = t->stop_continued = t->notify_continued = false;
	t->group_stop_code = 0;
	t->state = EXIT_ZOMBIE;
	if (t->exit_signal_parent < 0) {
		/* a thread: nobody waits for it; the last one out reports a waiting leader */
		struct task *leader = t->group_leader;
		release_task(t);
		if (leader && leader != t && leader->state == EXIT_ZOMBIE &&
		    leader->delayed_notify && thread_group_empty(leader)) {
			leader->delayed_notify = false;
			if (notify_parent(leader))
				release_task(leader);
		}
		return;
	}
	if (!thread_group_empty(t)) {
		/* delay_group_leader: the process has not ended while a thread runs */
		t->delayed_notify = true;
		return;
	}
	if (notify_parent(t))
		release_task(t);
}

/* ---- wait ---- */

struct wait_opts {
	int type; /* K_P_ALL, K_P_PID, K_P_PGID */
	int id;
	uint32_t options;
	uint32_t ustatus, uinfo, urusage;
	bool waitid;
};

/* eligible_child */
static bool eligible(const struct task *t, const struct task *c, const struct wait_opts *w)
{
	if (c->state == EXIT_DEAD || c->group_leader != c)
		return false;
	if (!c->real_parent || c->real_parent->tgid != t->tgid)
		return false;
	if ((w->options & K___WNOTHREAD) && c->real_parent != t)
		return false;
	if (w->type == K_P_PID && c->pid != w->id)
		return false;
	if (w->type == K_P_PGID && c->pgid != w->id)
		return false;
	if (!(w->options & K___WALL) &&
	    ((c->exit_signal_parent != SIGCHLD_) ^ ((w->options & K___WCLONE) != 0)))
		return false;
	return true;
}

/* struct rusage (i386): the child's own and its reaped children's. */
static int put_rusage(struct task *t, uint32_t uaddr, const struct task *c)
{
	uint32_t ru[18];
	memset(ru, 0, sizeof ru);
	uint64_t us = (c->utime_insns + c->cutime_insns) * VMLAB_NS_PER_INSN / 1000;
	ru[0] = (uint32_t)(us / 1000000);
	ru[1] = (uint32_t)(us % 1000000);
	ru[8] = (uint32_t)(c->min_flt + c->cmin_flt);
	ru[9] = (uint32_t)(c->maj_flt + c->cmaj_flt);
	ru[16] = (uint32_t)c->nvcsw;
	ru[17] = (uint32_t)c->nivcsw;
	return copy_to_user(t, uaddr, ru, sizeof ru);
}

static int put_waitid_info(struct task *t, uint32_t uinfo, const struct task *c)
{
	struct siginfo_i386 info;
	memset(&info, 0, sizeof info);
	if (c) {
		info.si_signo = SIGCHLD_;
		child_exit_info(c, &info);
	}
	return copy_to_user(t, uinfo, &info, sizeof info);
}

/* wait_task_zombie: reports c and, unless K_WNOWAIT, reaps it. */
static long wait_zombie(struct task *t, struct task *c, const struct wait_opts *w)
{
	int pid = c->tgid;
	if (w->ustatus && put_user_u32(t, w->ustatus, (uint32_t)c->wait_status))
		return -EFAULT;
	if (w->urusage && put_rusage(t, w->urusage, c))
		return -EFAULT;
	if (w->waitid && w->uinfo && put_waitid_info(t, w->uinfo, c))
		return -EFAULT;
	if (w->options & K_WNOWAIT)
		return w->waitid ? 0 : pid;
	reap_into(t, c);
	release_task(c);
	return w->waitid ? 0 : pid;
}

/* wait_task_stopped, wait_task_continued: the report of a stop (status 0x7f | sig << 8,
 * CLD_STOPPED) or a continue (0xffff, CLD_CONTINUED), given once unless K_WNOWAIT. */
static long wait_jobctl(struct task *t, struct task *c, const struct wait_opts *w, int code,
			int status, int si_status)
{
	if (w->ustatus && put_user_u32(t, w->ustatus, (uint32_t)status))
		return -EFAULT;
	if (w->urusage && put_rusage(t, w->urusage, c))
		return -EFAULT;
	if (w->waitid && w->uinfo) {
		struct siginfo_i386 info;
		memset(&info, 0, sizeof info);
		info.si_signo = SIGCHLD_;
		info.si_code = code;
		info.u[0] = (uint32_t)c->tgid;
		info.u[1] = c->uid;
		info.u[2] = (uint32_t)si_status;
		if (copy_to_user(t, w->uinfo, &info, sizeof info))
			return -EFAULT;
	}
	return w->waitid ? 0 : c->tgid;
}

static long wait_stopped(struct task *t, struct task *c, const struct wait_opts *w)
{
	int sig = c->group_stop_code;
	long r = wait_jobctl(t, c, w, K_CLD_STOPPED, sig << 8 | 0x7f, sig);
	if (r >= 0 && !(w->options & K_WNOWAIT))
		c->group_stop_code = 0;
	return r;
}

static long wait_continued(struct task *t, struct task *c, const struct wait_opts *w)
{
	long r = wait_jobctl(t, c, w, K_CLD_CONTINUED, 0xffff, SIGCONT_);
	if (r >= 0 && !(w->options & K_WNOWAIT))
		c->stop_continued = false;
	return r;
}

static long do_wait(struct task *t, const struct wait_opts *w)
{
	struct sched *s = t->sched;
	if (!s)
		return -ECHILD;
	bool have = false;
	for (size_t i = 0; i < s->nr; i++) {
		struct task *c = s->tasks[i];
		if (!eligible(t, c, w))
			continue;
		have = true;
		if (c->state == EXIT_ZOMBIE) {
			if (!c->delayed_notify && (w->options & K_WEXITED))
				return wait_zombie(t, c, w);
			continue;
		}
		if ((w->options & K_WUNTRACED) && c->group_stopped && c->group_stop_code)
			return wait_stopped(t, c, w);
		if ((w->options & K_WCONTINUED) && c->stop_continued)
			return wait_continued(t, c, w);
	}
	if (!have)
		return -ECHILD;
	if (w->options & K_WNOHANG) {
		if (w->waitid && w->uinfo && put_waitid_info(t, w->uinfo, NULL))
			return -EFAULT;
		return 0;
	}
	return sched_block(t, WAIT_CHILD, -1, 0);
}

static long kernel_wait4(struct task *t, int32_t upid, uint32_t ustatus, uint32_t options,
			 uint32_t urusage)
{
	if (options &
	    ~(K_WNOHANG | K_WUNTRACED | K_WCONTINUED | K___WNOTHREAD | K___WCLONE | K___WALL))
		return -EINVAL;
	if (upid == INT32_MIN)
		return -ESRCH; /* -INT_MIN overflows */
	struct wait_opts w = {
	    .options = options | K_WEXITED, .ustatus = ustatus, .urusage = urusage};
	if (upid == -1) {
		w.type = K_P_ALL;
	} else if (upid < 0) {
		w.type = K_P_PGID;
		w.id = -upid;
	} else if (upid == 0) {
		w.type = K_P_PGID;
		w.id = t->pgid;
	} else {
		w.type = K_P_PID;
		w.id = upid;
	}
	return do_wait(t, &w);
}

long sys_wait4(struct task *t, const uint32_t *a)
{
	return kernel_wait4(t, (int32_t)a[0], a[1], a[2], a[3]);
}

long sys_waitpid(struct task *t, const uint32_t *a)
{
	return kernel_wait4(t, (int32_t)a[0], a[1], a[2], 0);
}

long sys_waitid(struct task *t, const uint32_t *a)
{
	uint32_t options = a[3];
	if (options & ~(K_WNOHANG | K_WNOWAIT | K_WEXITED | K_WUNTRACED | K_WCONTINUED |
			K___WNOTHREAD | K___WCLONE | K___WALL))
		return -EINVAL;
	if (!(options & (K_WEXITED | K_WUNTRACED | K_WCONTINUED)))
		return -EINVAL;
	struct wait_opts w = {.options = options, .uinfo = a[2], .urusage = a[4], .waitid = true};
	switch (a[0]) {
	case K_P_ALL: w.type = K_P_ALL; break;
	case K_P_PID:
		if ((int32_t)a[1] <= 0)
			return -EINVAL;
		w.type = K_P_PID;
		w.id = (int)a[1];
		break;
	case K_P_PGID:
		if ((int32_t)a[1] < 0)
			return -EINVAL;
		w.type = K_P_PGID;
		w.id = a[1] ? (int)a[1] : t->pgid;
		break;
	default: return -EINVAL;
	}
	return do_wait(t, &w);
}
