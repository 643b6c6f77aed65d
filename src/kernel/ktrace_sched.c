/* The kernel's side of the sched class (ktrace.h): why a task left the CPU, what the switch
 * did to CR3 and the TLB, and the tasks' fork, exec and exit. */
#include <stdio.h>

#include "hw/mmu.h"
#include "kernel/ktrace.h"
#include "kernel/mm/mmap.h"
#include "kernel/sched.h"
#include "kernel/signal.h"

#define CLONE_VM_ 0x00000100u

void ktrace_sched_switch(const struct task *prev, const struct task *next, bool cr3_loaded)
{
	struct trace *tr = ktrace(next);
	/* prev NULL: it exited and was reaped at once; the sink still has its ids */
	int ppid = prev ? prev->tgid : tr->pid, ptid = prev ? prev->pid : tr->tid;
	trace_set_task(tr, next->tgid, next->pid);
	if (!trace_enabled(tr, TRACE_SCHED))
		return;
	char reason[96], mmu[96];
	if (!prev || prev->exited || prev->state >= EXIT_ZOMBIE)
		snprintf(reason, sizeof reason, "exited");
	else if (prev->state == TASK_INTERRUPTIBLE)
		snprintf(reason, sizeof reason, "blocked: %s", sched_wait_what(prev));
	else
		snprintf(reason, sizeof reason, "preempted");
	if (!cr3_loaded)
		snprintf(mmu, sizeof mmu, "cr3 kept (same mm), tlb kept");
	else if (next->mmu->tlbcfg.asid)
		snprintf(mmu, sizeof mmu, "cr3 reloaded, tlb kept (asid %u)", next->mm->asid);
	else
		snprintf(mmu, sizeof mmu, "cr3 reloaded, tlb flushed (non-global entries)");
	trace_sched_switch(tr, ppid, ptid, next->tgid, next->pid, reason, mmu);
}

void ktrace_sched_fork(const struct task *parent, const struct task *child, uint32_t flags)
{
	const char *kind = child->tgid == parent->tgid ? "thread"
			   : child->vfork_parent       ? "vfork"
			   : (flags & CLONE_VM_)       ? "clone, shared mm"
						       : "fork";
	trace_sched_task(ktrace(parent), "fork", parent->tgid, parent->pid, child->tgid, child->pid,
			 kind);
}

void ktrace_sched_exec(const struct task *t)
{
	trace_sched_task(ktrace(t), "exec", t->tgid, t->pid, 0, 0, t->exe_path ? t->exe_path : "");
}

void ktrace_sched_exit(const struct task *t)
{
	char d[64];
	if (t->exit_signal)
		snprintf(d, sizeof d, "killed by %s", signal_name(t->exit_signal));
	else
		snprintf(d, sizeof d, "status %d", t->exit_code & 0xff);
	trace_sched_task(ktrace(t), "exit", t->tgid, t->pid, 0, 0, d);
}
