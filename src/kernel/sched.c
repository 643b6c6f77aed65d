/*
 * The task list, round-robin scheduling and the context switch (sched.h).
 */
#include "kernel/sched.h"

#include <errno.h>
#include <poll.h>
#include <sys/ioctl.h>
#include <stdlib.h>
#include <string.h>

#include "cpu/cpu.h"
#include "hw/mmu.h"
#include "kernel/mm/kmem.h"
#include "kernel/mm/mmap.h"
#include "kernel/ktrace.h"
#include "kernel/signal.h"
#include "kernel/sys_time.h"
#include "kernel/tls.h"

int sched_init(struct sched *s, struct task *first, uint64_t slice)
{
	memset(s, 0, sizeof *s);
	s->slice = slice ? slice : SCHED_SLICE_DEFAULT;
	s->slice_left = s->slice;
	struct task *init = calloc(1, sizeof *init);
	if (!init)
		return -ENOMEM;
	/* the modelled init: no address space, never scheduled; it exists to be the parent of
	 * orphans, which it reaps as soon as they exit (as busybox init does) */
	init->pid = init->tgid = init->pgid = init->sid = PID_INIT;
	init->sched = s;
	init->group_leader = init;
	init->comm = "init";
	init->cpu = first->cpu;
	init->mmu = first->mmu;
	init->km = first->km;
	init->ctr = first->ctr;
	s->init = init;
	s->first = first;
	first->sched = s;
	first->group_leader = first;
	first->real_parent = init;
	first->state = TASK_RUNNING;
	first->exit_signal_parent = 17; /* SIGCHLD */
	if (!first->pgid)
		first->pgid = first->tgid;
	if (!first->sid)
		first->sid = first->tgid;
	s->last_pid = first->pid;
	s->current = first;
	s->active_mm = first->mm;
	s->acct.cur = -1;
	first->acct_folded = false;
	if (proc_acct_new(&s->acct, first, first->ppid))
		return -ENOMEM;
	/* the counters from the machine's start are the first program's */
	s->acct.cur = first->acct_row;
	return sched_add(s, first);
}

/* A task other than the machine's first (embedded in it): what it holds, then itself. */
static void free_task(struct task *t)
{
	task_free_kernel(t);
	free(t->wait.ph);
	free(t->owned_comm);
	free(t->owned_exe);
	free(t);
}

void sched_destroy(struct sched *s)
{
	for (size_t i = 0; i < s->nr; i++) {
		struct task *t = s->tasks[i];
		if (t == s->first) {
			/* embedded in the machine; what execve gave it is freed here */
			free(t->wait.ph);
			free(t->owned_comm);
			free(t->owned_exe);
			t->wait.ph = NULL;
			t->owned_comm = t->owned_exe = NULL;
			t->comm = t->exe_path = NULL;
			continue;
		}
		if (t->signal)
			signal_free(t);
		free_task(t);
	}
	free(s->tasks);
	free(s->init);
	proc_acct_free(&s->acct);
	s->tasks = NULL;
	s->init = NULL;
	s->nr = s->cap = 0;
}

#define THREAD_SIZE_ORDER 1 /* 8 KB kernel stacks on i386 */

int task_alloc_kernel(struct task *t)
{
	struct kmem *km = t->km;
	t->kstack = t->task_obj = 0;
	if (!km)
		return 0;
	t->kstack = __get_free_pages(km, GFP_KERNEL, THREAD_SIZE_ORDER);
	if (!t->kstack)
		return -ENOMEM;
	km->stat[NR_KERNEL_STACK_KB] += 8;
	t->task_obj = kmem_cache_alloc(km, km->task_struct_cachep, GFP_KERNEL);
	if (!t->task_obj) {
		task_free_kernel(t);
		return -ENOMEM;
	}
	return 0;
}

void task_free_kernel(struct task *t)
{
	struct kmem *km = t->km;
	if (!km)
		return;
	if (t->kstack) {
		free_pages(km, t->kstack, THREAD_SIZE_ORDER);
		km->stat[NR_KERNEL_STACK_KB] -= km->stat[NR_KERNEL_STACK_KB] >= 8 ? 8 : 0;
	}
	if (t->task_obj)
		kmem_cache_free(km, km->task_struct_cachep, t->task_obj);
	t->kstack = t->task_obj = 0;
}

struct task *find_task_by_pid(struct sched *s, int pid)
{
	if (pid == PID_INIT)
		return s->init;
	for (size_t i = 0; i < s->nr; i++)
		if (s->tasks[i]->pid == pid && s->tasks[i]->state != EXIT_DEAD)
			return s->tasks[i];
	return NULL;
}

int sched_alloc_pid(struct sched *s)
{
	/* alloc_pid: cyclic from the last pid, skipping those in use, wrapping to 300 */
	int pid = s->last_pid;
	for (int tries = 0; tries < PID_MAX; tries++) {
		pid = pid + 1 >= PID_MAX ? 300 : pid + 1;
		bool used = false;
		for (size_t i = 0; i < s->nr && !used; i++)
			used = s->tasks[i]->pid == pid || s->tasks[i]->pgid == pid ||
			       s->tasks[i]->sid == pid;
		if (!used) {
			s->last_pid = pid;
			return pid;
		}
	}
	return -EAGAIN;
}

int sched_add(struct sched *s, struct task *t)
{
	if (s->nr == s->cap) {
		size_t cap = s->cap ? s->cap * 2 : 16;
		struct task **n = realloc(s->tasks, cap * sizeof *n);
		if (!n)
			return -ENOMEM;
		s->tasks = n;
		s->cap = cap;
	}
	s->tasks[s->nr++] = t;
	t->sched = s;
	return 0;
}

void sched_remove(struct sched *s, struct task *t)
{
	for (size_t i = 0; i < s->nr; i++) {
		if (s->tasks[i] != t)
			continue;
		if (t == s->first) {
			/* its exit status and counters are what vmlab reports: kept */
			t->state = EXIT_DEAD;
			return;
		}
		memmove(&s->tasks[i], &s->tasks[i + 1], (s->nr - i - 1) * sizeof *s->tasks);
		s->nr--;
		if (s->current == t)
			s->current = NULL;
		free_task(t);
		return;
	}
}

/* A pipe end is ready when a read would not wait (data, or no writer left) or a write
 * would not (room, or no reader left): vmlab's pipes are the host's, polled without
 * waiting, so the answer depends only on what the guest did to them. */
static bool fd_ready(int fd, bool writing)
{
	struct pollfd p = {.fd = fd, .events = writing ? POLLOUT : POLLIN};
	return poll(&p, 1, 0) > 0 && p.revents;
}

static bool poll_ready(const struct task *t)
{
	for (size_t i = 0; i < t->wait.nph; i++) {
		const struct poll_host *h = &t->wait.ph[i];
		struct pollfd p = {.fd = h->fd, .events = h->events};
		if (poll(&p, 1, 0) > 0 && (p.revents & ~h->ignore))
			return true;
		int n = 0;
		if (h->by_count && ioctl(h->fd, FIONREAD, &n) == 0 && n > h->nread)
			return true;
	}
	return false;
}

/* A stopped task runs again when continued, or to die: killed, or its group exiting. */
static bool stopped(const struct task *t)
{
	return t->jobctl_stopped && !t->exited && !(t->signal && (t->signal->pending & SIGBIT(9)));
}

bool task_can_run(struct task *t)
{
	if (stopped(t))
		return false;
	if (t->state == TASK_RUNNING)
		return t->mm != NULL || t->exited;
	if (t->state != TASK_INTERRUPTIBLE)
		return false;
	if (t->wait.woken)
		return true;
	if (t->wait.kind == WAIT_VFORK)
		/* killable only: the child runs on the parent's stack until it lets go */
		return t->signal && (t->signal->pending & SIGBIT(9));
	if (signal_pending(t))
		return true;
	if (t->wait.deadline && vclock_monotonic_ns(t) >= t->wait.deadline)
		return true;
	switch (t->wait.kind) {
	case WAIT_POLL: return poll_ready(t);
	case WAIT_PIPE_READ: return fd_ready(t->wait.host_fd, false);
	case WAIT_PIPE_WRITE: return fd_ready(t->wait.host_fd, true);
	default: return false;
	}
}

struct task *pick_next_task(struct sched *s)
{
	size_t start = 0;
	for (size_t i = 0; s->current && i < s->nr; i++)
		if (s->tasks[i] == s->current)
			start = i + 1;
	for (size_t k = 0; k < s->nr; k++) {
		struct task *t = s->tasks[(start + k) % s->nr];
		if (task_can_run(t))
			return t;
	}
	return NULL;
}

/* Kernel memory (the GDT) through the MMU with supervisor rights. */
static void gdt_read(struct task *t, unsigned idx, uint64_t *v)
{
	struct x86_exception ex;
	if (mmu_read_linear(t->mmu, t->mmu->seg.gdtr_base + idx * 8, v, 8, ACC_READ, false, &ex))
		*v = 0;
}

static void gdt_write(struct task *t, unsigned idx, uint64_t v)
{
	struct x86_exception ex;
	mmu_write_linear(t->mmu, t->mmu->seg.gdtr_base + idx * 8, &v, 8, false, &ex);
}

void save_context(struct task *t)
{
	struct cpu *c = t->cpu;
	struct task_context *x = &t->ctx;
	memcpy(x->regs, c->regs, sizeof x->regs);
	x->eip = c->eip;
	x->eflags = cpu_get_eflags(c);
	x->fpu = c->fpu;
	memcpy(x->sr, t->mmu->seg.sr, sizeof x->sr);
	x->ldtr = t->mmu->seg.ldtr;
	x->ldtr_base = t->mmu->seg.ldtr_base;
	x->ldtr_limit = t->mmu->seg.ldtr_limit;
	for (unsigned i = 0; i < GDT_ENTRY_TLS_ENTRIES; i++)
		gdt_read(t, GDT_ENTRY_TLS_MIN_ + i, &x->tls[i]);
	gdt_read(t, GDT_ENTRY_LDT, &x->ldt_desc);
}

static void load_context(struct task *t)
{
	struct cpu *c = t->cpu;
	const struct task_context *x = &t->ctx;
	memcpy(c->regs, x->regs, sizeof x->regs);
	c->eip = x->eip;
	cpu_set_eflags(c, x->eflags);
	c->fpu = x->fpu;
	/* switch_to's load_TLS: the next task's descriptors into the GDT, then its segment
	 * registers as it left them */
	for (unsigned i = 0; i < GDT_ENTRY_TLS_ENTRIES; i++)
		gdt_write(t, GDT_ENTRY_TLS_MIN_ + i, x->tls[i]);
	gdt_write(t, GDT_ENTRY_LDT, x->ldt_desc);
	memcpy(t->mmu->seg.sr, x->sr, sizeof x->sr);
	t->mmu->seg.ldtr = x->ldtr;
	t->mmu->seg.ldtr_base = x->ldtr_base;
	t->mmu->seg.ldtr_limit = x->ldtr_limit;
	t->mmu->cpl = 3;
	/* %fs and %gs are reloaded from their selectors (a clone's CLONE_SETTLS descriptor
	 * takes effect here); one that no longer loads keeps what it had */
	static const enum sreg tls_regs[] = {SR_FS, SR_GS};
	for (size_t i = 0; i < 2; i++) {
		enum sreg r = tls_regs[i];
		struct x86_exception ex;
		if ((x->sr[r].selector & ~3u) && mmu_load_seg(t->mmu, r, x->sr[r].selector, &ex))
			t->mmu->seg.sr[r] = x->sr[r];
	}
}

void context_switch(struct sched *s, struct task *prev, struct task *next)
{
	if (prev == next)
		return;
	if (prev && prev->state < EXIT_ZOMBIE && prev->mm)
		save_context(prev);
	s->nr_switches++;
	COUNT(next->ctr, sched_switches);
	proc_acct_switch(&s->acct, next->ctr, next);
	/* switch_mm: a new address space means a CR3 load, which drops every non-global
	 * TLB entry; a thread of the same mm keeps the TLB */
	bool cr3 = next->mm && next->mm != s->active_mm;
	if (cr3) {
		switch_mm(next, next->mm);
		s->nr_cr3_loads++;
		COUNT(next->ctr, sched_cr3_loads);
	}
	if (ktrace(next))
		ktrace_sched_switch(prev, next, cr3);
	load_context(next);
	s->current = next;
	s->slice_left = s->slice;
	/* finish_task_switch: the address space of a task that exited is released only now
	 * that the CPU no longer walks its page tables */
	if (s->mm_to_drop) {
		struct mm_struct *mm = s->mm_to_drop;
		s->mm_to_drop = NULL;
		if (s->active_mm == mm)
			s->active_mm = NULL;
		mmput(mm);
	}
}

#define ASID_MAX 4095u /* 12 bits, as PCIDs */

/* A tag for mm: the next one, its stale entries (of an address space that had it before)
 * dropped. When they run out every mm gives its tag back and the whole TLB goes. */
static uint16_t asid_alloc(struct sched *s, struct task *t)
{
	if (s->last_asid >= ASID_MAX) {
		for (size_t i = 0; i < s->nr; i++)
			if (s->tasks[i]->mm)
				s->tasks[i]->mm->asid = 0;
		mmu_flush_tlb(t->mmu, true, CTR_tlb_flush_cr3);
		s->last_asid = 0;
	}
	uint16_t a = ++s->last_asid;
	mmu_flush_asid(t->mmu, a, CTR_tlb_flush_cr3);
	return a;
}

void switch_mm(struct task *t, struct mm_struct *mm)
{
	struct sched *s = t->sched;
	if (s && t->mmu->tlbcfg.asid) {
		if (!mm->asid)
			mm->asid = asid_alloc(s, t);
		mmu_set_asid(t->mmu, mm->asid);
	}
	mmu_write_cr3(t->mmu, (uint32_t)mm->pgd);
	if (s)
		s->active_mm = mm;
}

long sched_block(struct task *t, enum wait_kind kind, int host_fd, uint32_t uaddr)
{
	if (signal_pending(t))
		return -ERESTARTSYS;
	if (!t->sched)
		return -EINTR;
	t->state = TASK_INTERRUPTIBLE;
	t->wait.kind = kind;
	t->wait.host_fd = host_fd;
	t->wait.uaddr = uaddr;
	t->wait.woken = false;
	t->wait.deadline = 0;
	return -ERESTART_SCHED;
}

bool sched_others_alive(const struct task *t)
{
	for (size_t i = 0; t->sched && i < t->sched->nr; i++) {
		const struct task *o = t->sched->tasks[i];
		if (o != t && o->state < EXIT_ZOMBIE)
			return true;
	}
	return false;
}

long sched_block_until(struct task *t, enum wait_kind kind, uint64_t deadline)
{
	long r = sched_block(t, kind, -1, 0);
	if (r == -ERESTART_SCHED)
		t->wait.deadline = deadline;
	return r;
}

bool sched_idle(struct sched *s)
{
	/* the nearest deadline: a timed wait's, or a real timer's */
	bool found = false;
	uint64_t wait = 0;
	for (size_t i = 0; i < s->nr; i++) {
		struct task *t = s->tasks[i];
		if (t->state >= EXIT_ZOMBIE)
			continue;
		uint64_t now = vclock_monotonic_ns(t);
		/* a stopped task's timeout does not wake it (its timer still fires) */
		bool waits = t->state == TASK_INTERRUPTIBLE && !stopped(t);
		uint64_t d[2] = {waits ? t->wait.deadline : 0, t->it_real_value};
		for (int k = 0; k < 2; k++) {
			if (!d[k])
				continue;
			uint64_t w = d[k] > now ? d[k] - now : 0;
			if (!found || w < wait)
				wait = w;
			found = true;
		}
	}
	if (found) {
		s->idle_ns += wait;
		sched_fire_timers(s);
		return true;
	}
	/* descriptors only the outside world can make ready: wait for it on the host */
	struct pollfd p[64];
	nfds_t n = 0;
	for (size_t i = 0; i < s->nr; i++) {
		const struct task *t = s->tasks[i];
		if (t->state != TASK_INTERRUPTIBLE || t->wait.kind != WAIT_POLL || stopped(t))
			continue;
		for (size_t k = 0; k < t->wait.nph && n < 64; k++)
			if (t->wait.ph[k].external)
				p[n++] = (struct pollfd){.fd = t->wait.ph[k].fd,
							 .events = t->wait.ph[k].events};
	}
	return n && poll(p, n, -1) > 0;
}

long sched_write_rest(struct task *t, uint32_t done, int host_fd)
{
	if (signal_pending(t))
		return (long)done; /* sched_syscall_done adds what came before */
	struct cpu *c = t->cpu;
	if (!t->partial_active) {
		t->partial_active = true;
		t->partial_done = 0;
		t->partial_ecx = c->regs[R_ECX];
		t->partial_edx = c->regs[R_EDX];
	}
	t->partial_done += done;
	c->regs[R_ECX] += done;
	c->regs[R_EDX] -= done;
	return sched_block(t, WAIT_PIPE_WRITE, host_fd, 0);
}

long sched_syscall_done(struct task *t, long r)
{
	if (!t->partial_active || r == -ERESTART_SCHED)
		return r;
	struct cpu *c = t->cpu;
	c->regs[R_ECX] = t->partial_ecx;
	c->regs[R_EDX] = t->partial_edx;
	long total = t->partial_done;
	t->partial_active = false;
	t->partial_done = 0;
	if (r >= 0)
		return total + r;
	return total;
}

void wake_up_task(struct task *t, enum wait_kind kind)
{
	if (t && t->state == TASK_INTERRUPTIBLE && t->wait.kind == kind)
		t->wait.woken = true;
}

const char *sched_wait_what(const struct task *t)
{
	switch (t->wait.kind) {
	case WAIT_CHILD: return "waits for a child";
	case WAIT_VFORK: return "waits for its vfork child to exec or exit";
	case WAIT_PIPE_READ: return "reads an empty pipe";
	case WAIT_PIPE_WRITE: return "writes a full pipe";
	case WAIT_FUTEX: return "waits on a futex";
	case WAIT_SIGNAL: return "waits for a signal";
	case WAIT_SEM: return "waits on a SysV semaphore";
	case WAIT_MSG: return "waits on a SysV message queue";
	default: return "waits";
	}
}

void sched_report_deadlock(struct sched *s, FILE *f)
{
	fprintf(f, "vmlab: every task is blocked and nothing can wake any of them:\n");
	for (size_t i = 0; i < s->nr; i++) {
		const struct task *t = s->tasks[i];
		if (t->state >= EXIT_ZOMBIE)
			continue;
		const struct task *l = t->group_leader ? t->group_leader : t;
		if (t->jobctl_stopped)
			fprintf(f, "vmlab:   pid %d (%s) is stopped by %s\n", t->pid,
				t->comm ? t->comm : "?", signal_name(l->stop_sig));
		else if (t->state != TASK_INTERRUPTIBLE)
			continue;
		else if (t->wait.kind == WAIT_FUTEX)
			fprintf(f, "vmlab:   pid %d (%s) %s at %#x\n", t->pid,
				t->comm ? t->comm : "?", sched_wait_what(t), t->wait.uaddr);
		else
			fprintf(f, "vmlab:   pid %d (%s) %s\n", t->pid, t->comm ? t->comm : "?",
				sched_wait_what(t));
	}
}
