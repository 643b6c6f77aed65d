/*
 * Creating tasks (kernel/fork.c): fork, vfork, clone. copy_process duplicates or shares
 * each part of the parent as the clone flags say: the address space (dup_mm: page tables
 * copied, private writable pages write-protected in both for copy-on-write), open files,
 * file-system context, signal handlers; the child's CPU context is the parent's at the
 * system call, returning 0.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cpu/cpu.h"
#include "kernel/fs/file.h"
#include "kernel/fs/fs.h"
#include "kernel/fs/shmdir.h"
#include "kernel/mm/mmap.h"
#include "kernel/exit.h"
#include "kernel/ktrace.h"
#include "kernel/sched.h"
#include "kernel/signal.h"
#include "kernel/tls.h"
#include "kernel/uaccess.h"

/* include/uapi/linux/sched.h */
#define CSIGNAL 0x000000ffu
#define CLONE_VM 0x00000100u
#define CLONE_FS 0x00000200u
#define CLONE_FILES 0x00000400u
#define CLONE_SIGHAND 0x00000800u
#define CLONE_PIDFD 0x00001000u
#define CLONE_PTRACE 0x00002000u
#define CLONE_VFORK 0x00004000u
#define CLONE_PARENT 0x00008000u
#define CLONE_THREAD 0x00010000u
#define CLONE_NEWNS 0x00020000u
#define CLONE_SYSVSEM 0x00040000u
#define CLONE_SETTLS 0x00080000u
#define CLONE_PARENT_SETTID 0x00100000u
#define CLONE_CHILD_CLEARTID 0x00200000u
#define CLONE_DETACHED 0x00400000u
#define CLONE_UNTRACED 0x00800000u
#define CLONE_CHILD_SETTID 0x01000000u
#define CLONE_NEWCGROUP 0x02000000u
#define CLONE_NEWUTS 0x04000000u
#define CLONE_NEWIPC 0x08000000u
#define CLONE_NEWUSER 0x10000000u
#define CLONE_NEWPID 0x20000000u
#define CLONE_NEWNET 0x40000000u
#define CLONE_IO 0x80000000u
#define CLONE_NEW_ANY                                                                              \
	(CLONE_NEWNS | CLONE_NEWCGROUP | CLONE_NEWUTS | CLONE_NEWIPC | CLONE_NEWUSER |             \
	 CLONE_NEWPID | CLONE_NEWNET)
#define SIGCHLD_ 17
#define RLIMIT_NPROC_ 6

/* dup_fd: a copy of the descriptor table sharing the open file descriptions. */
static struct files_struct *dup_fd(const struct files_struct *old)
{
	struct files_struct *n = calloc(1, sizeof *n);
	if (!n)
		return NULL;
	for (int i = 0; i < VMLAB_NR_OPEN; i++) {
		if (!old->fd[i])
			continue;
		n->fd[i] = file_get(old->fd[i]);
		n->cloexec[i] = old->cloexec[i];
	}
	return n;
}

static char *dup_str(const char *s, bool *ok)
{
	if (!s)
		return NULL;
	char *d = strdup(s);
	if (!d)
		*ok = false;
	return d;
}

/* copy_fs_struct: root, working directory, umask, writable directories. */
static struct fs_struct *copy_fs_struct(const struct fs_struct *old)
{
	struct fs_struct *n = calloc(1, sizeof *n);
	if (!n)
		return NULL;
	bool ok = true;
	*n = *old;
	if (n->shmdir)
		n->shmdir->refs++;
	n->root_fd = old->root_fd >= 0 ? dup(old->root_fd) : -1;
	n->cwd_fd = old->cwd_fd >= 0 ? dup(old->cwd_fd) : -1;
	n->root_host = dup_str(old->root_host, &ok);
	n->cwd_proc = dup_str(old->cwd_proc, &ok);
	n->rw_host = old->nrw ? calloc(old->nrw, sizeof *n->rw_host) : NULL;
	if (old->nrw && !n->rw_host) {
		ok = false;
		n->nrw = 0;
	}
	for (size_t i = 0; i < n->nrw; i++)
		n->rw_host[i] = dup_str(old->rw_host[i], &ok);
	if ((old->root_fd >= 0 && n->root_fd < 0) || (old->cwd_fd >= 0 && n->cwd_fd < 0))
		ok = false;
	if (!ok) {
		struct task tmp = {.fs = n};
		fs_teardown(&tmp);
		return NULL;
	}
	return n;
}

/* CLONE_SETTLS: the user_desc at utls goes into the child's TLS slot (do_set_thread_area on
 * the child, which has not run yet: its descriptor is loaded at its first switch). */
static long clone_settls(struct task *p, struct task *c, uint32_t utls)
{
	struct user_desc_i386 u;
	if (copy_from_user(p, &u, utls, sizeof u))
		return -EFAULT;
	if (u.entry_number < GDT_ENTRY_TLS_MIN_ ||
	    u.entry_number >= GDT_ENTRY_TLS_MIN_ + GDT_ENTRY_TLS_ENTRIES)
		return -EINVAL;
	uint64_t raw = user_desc_empty(&u) ? 0 : user_desc_to_raw(&u);
	c->ctx.tls[u.entry_number - GDT_ENTRY_TLS_MIN_] = raw;
	return 0;
}

static void free_partial(struct task *c, uint32_t flags)
{
	if (c->mm)
		mmput(c->mm);
	if (!(flags & CLONE_FILES) || !(flags & CLONE_FS)) {
		if (flags & CLONE_FILES)
			c->files = NULL;
		if (flags & CLONE_FS)
			c->fs = NULL;
		fs_teardown(c);
	}
	if (c->signal)
		signal_free(c);
	tls_release(c);
	task_free_kernel(c);
	free(c->owned_comm);
	free(c->owned_exe);
	free(c);
}

/* copy_process: the new task, not yet on the run queue; NULL and *err. */
static struct task *copy_process(struct task *p, uint32_t flags, uint32_t newsp, uint32_t utls,
				 uint32_t child_tid, long *err)
{
	struct sched *s = p->sched;
	if ((flags & (CLONE_NEWNS | CLONE_FS)) == (CLONE_NEWNS | CLONE_FS) ||
	    ((flags & CLONE_THREAD) && !(flags & CLONE_SIGHAND)) ||
	    ((flags & CLONE_SIGHAND) && !(flags & CLONE_VM))) {
		*err = -EINVAL;
		return NULL;
	}
	if (flags & CLONE_NEW_ANY) {
		/* namespaces need CAP_SYS_ADMIN (or a user namespace vmlab does not model) */
		*err = p->euid == 0 ? -EINVAL : -EPERM;
		return NULL;
	}
	if (p->uid != 0) {
		/* RLIMIT_NPROC: the user's tasks, zombies included */
		uint64_t n = 0;
		for (size_t i = 0; i < s->nr; i++)
			n += s->tasks[i]->uid == p->uid;
		if (n >= p->rlim[RLIMIT_NPROC_].cur) {
			*err = -EAGAIN;
			return NULL;
		}
	}
	struct task *c = malloc(sizeof *c);
	if (!c) {
		*err = -ENOMEM;
		return NULL;
	}
	*c = *p;
	c->ldt = c->ldt_entries = 0; /* its own copy comes later (ldt_dup_context) */
	bool thread = flags & CLONE_THREAD;
	c->pid = c->tgid = 0; /* given once the copy has worked (alloc_pid) */
	c->group_leader = thread ? p->group_leader : c;
	c->real_parent = (flags & (CLONE_PARENT | CLONE_THREAD)) ? p->real_parent : p;
	c->ppid = c->real_parent->tgid;
	if (thread)
		c->exit_signal_parent = -1;
	else if (flags & CLONE_PARENT)
		c->exit_signal_parent = p->group_leader->exit_signal_parent;
	else
		c->exit_signal_parent = (int)(flags & CSIGNAL);
	c->state = TASK_RUNNING;
	memset(&c->wait, 0, sizeof c->wait);
	c->min_flt = c->maj_flt = c->cmin_flt = c->cmaj_flt = 0;
	c->utime_insns = c->cutime_insns = 0;
	c->nvcsw = c->nivcsw = 0;
	c->exited = false;
	c->exit_code = c->exit_signal = c->wait_status = 0;
	c->vfork_parent = NULL;
	c->maxrss_pages = 0;
	c->it_real_value = c->it_real_incr = 0; /* timers are not inherited */
	memset(c->it_cpu_value, 0, sizeof c->it_cpu_value);
	memset(c->it_cpu_incr, 0, sizeof c->it_cpu_incr);
	c->call_deadline = 0;
	c->futex_woken = false;
	c->delayed_notify = false;
	/* job control: a new process is neither stopped nor has a stop or continue to report */
	c->jobctl_stopped = c->group_stopped = c->stop_continued = c->notify_continued = false;
	c->stop_sig = c->group_stop_code = 0;
	c->restart_code = 0;
	c->partial_active = false;
	c->partial_done = 0;
	c->exec_done = false;
	c->set_child_tid = (flags & CLONE_CHILD_SETTID) ? child_tid : 0;
	c->set_child_tid_pending = flags & CLONE_CHILD_SETTID;
	c->clear_child_tid = (flags & CLONE_CHILD_CLEARTID) ? child_tid : 0;
	c->robust_list = c->robust_len = 0;
	if ((flags & (CLONE_VM | CLONE_VFORK)) == CLONE_VM)
		c->rseq = c->rseq_len = c->rseq_sig = 0; /* rseq_fork */
	c->mm = NULL;
	c->files = NULL;
	c->fs = NULL;
	c->signal = NULL;
	c->owned_comm = c->owned_exe = NULL;
	c->kstack = c->task_obj = 0;
	bool ok = true;
	if (p->owned_comm && p->comm) {
		c->owned_comm = dup_str(p->comm, &ok);
		c->comm = c->owned_comm;
	}
	if (p->owned_exe && p->exe_path) {
		c->owned_exe = dup_str(p->exe_path, &ok);
		c->exe_path = c->owned_exe;
	}
	if (!ok) {
		*err = -ENOMEM;
		free_partial(c, flags);
		return NULL;
	}
	/* the parent's CPU state now, as the child returns from the same call with 0 */
	save_context(p);
	c->ctx = p->ctx;
	c->ctx.regs[R_EAX] = 0;
	if (newsp)
		c->ctx.regs[R_ESP] = newsp;
	if ((*err = ldt_dup_context(p, c)))
		goto fail;
	if ((flags & CLONE_SETTLS) && (*err = clone_settls(p, c, utls)))
		goto fail;
	if ((*err = task_alloc_kernel(c)))
		goto fail;
	c->signal = malloc(sizeof *c->signal);
	if (!c->signal) {
		*err = -ENOMEM;
		goto fail;
	}
	/* handlers and mask are inherited, pending signals are not; CLONE_SIGHAND shares
	 * the handlers themselves */
	*c->signal = *p->signal;
	c->signal->pending = 0;
	c->signal->restore_sigmask = false;
	if ((*err = copy_sighand(c, p, flags & CLONE_SIGHAND))) {
		free(c->signal);
		c->signal = NULL;
		goto fail;
	}
	if (flags & CLONE_FILES)
		c->files = p->files;
	else if (p->files && !(c->files = dup_fd(p->files))) {
		*err = -ENOMEM;
		goto fail;
	}
	if (flags & CLONE_FS)
		c->fs = p->fs;
	else if (p->fs && !(c->fs = copy_fs_struct(p->fs))) {
		*err = -ENOMEM;
		goto fail;
	}
	if (flags & CLONE_VM) {
		c->mm = p->mm;
		if (c->mm)
			c->mm->mm_users++;
	} else if (p->mm) {
		int e = 0;
		c->mm = dup_mm(c, p->mm, &e);
		if (!c->mm) {
			*err = e ? e : -ENOMEM;
			goto fail;
		}
	}
	int pid = sched_alloc_pid(s);
	if (pid < 0) {
		*err = pid;
		goto fail;
	}
	c->pid = pid;
	c->tgid = thread ? p->tgid : pid;
	c->rng_state = p->rng_state ^ ((uint64_t)pid * 0x9e3779b97f4a7c15ull);
	if ((*err = sched_add(s, c)))
		goto fail;
	c->acct_folded = false;
	if (!thread && proc_acct_new(&s->acct, c, p->tgid)) {
		/* the row cannot be made: the task is charged nowhere rather than failing */
		c->acct_row = -1;
	}
	return c;
fail:
	free_partial(c, flags);
	return NULL;
}

/* kernel_clone: the child's pid in the parent, or -errno. */
static long kernel_clone(struct task *p, uint32_t flags, uint32_t newsp, uint32_t parent_tid,
			 uint32_t utls, uint32_t child_tid)
{
	if (!p->sched)
		return -ENOSYS;
	long err;
	struct task *c = copy_process(p, flags, newsp, utls, child_tid, &err);
	if (!c)
		return err;
	p->sched->nr_forks++;
	COUNT(p->ctr, proc_forks);
	if (ktrace_on(p, TRACE_SCHED))
		ktrace_sched_fork(p, c, flags);
	if (flags & CLONE_PARENT_SETTID)
		put_user_u32(p, parent_tid, (uint32_t)c->pid);
	if (flags & CLONE_VFORK) {
		/* the parent sleeps until the child releases the shared mm (exec or exit);
		 * the call has completed: the parent resumes after it with the child's pid */
		c->vfork_parent = p;
		p->state = TASK_INTERRUPTIBLE;
		memset(&p->wait, 0, sizeof p->wait);
		p->wait.kind = WAIT_VFORK;
	}
	return c->pid;
}

long sys_fork(struct task *t, const uint32_t *a)
{
	(void)a;
	return kernel_clone(t, SIGCHLD_, 0, 0, 0, 0);
}

long sys_vfork(struct task *t, const uint32_t *a)
{
	(void)a;
	return kernel_clone(t, CLONE_VFORK | CLONE_VM | SIGCHLD_, 0, 0, 0, 0);
}

/* i386 clone (CONFIG_CLONE_BACKWARDS): flags, newsp, parent_tidptr, tls, child_tidptr. */
long sys_clone(struct task *t, const uint32_t *a)
{
	return kernel_clone(t, a[0], a[1], a[2], a[3], a[4]);
}

/* clone3 is left to glibc's fallback to clone: ENOSYS, reported once like every call vmlab
 * does not implement. */
