/*
 * The kernel's side of the event stream (trace/trace.h): what only the kernel can describe -
 * a system call's arguments read from guest memory as strace decodes them, the VMAs an mm
 * call changed, a fault's kind, a signal's siginfo. Each hook is called only when its class
 * is on (the callers test ktrace_on first), and reads guest memory without faulting, so a
 * traced run counts exactly what an untraced one does.
 */
#ifndef VMLAB_KERNEL_KTRACE_H
#define VMLAB_KERNEL_KTRACE_H
#include <stdint.h>

#include "hw/mmu.h"
#include "kernel/task.h"
#include "trace/trace.h"

struct fault_outcome;
struct siginfo_i386;

static inline struct trace *ktrace(const struct task *t)
{
	return t->mmu ? t->mmu->trace : NULL;
}

static inline bool ktrace_on(const struct task *t, unsigned cls)
{
	return t->mmu && trace_enabled(t->mmu->trace, cls);
}

/* Runs system call nr through invoke, writing its syscall event (and mm event). */
long ktrace_syscall(struct task *t, uint32_t nr, const uint32_t *a,
		    long (*invoke)(struct task *, uint32_t, const uint32_t *));

/* The fault counters a fault is classified by, read before handling it. */
#define KTRACE_FAULT_KINDS 8
void ktrace_fault_snapshot(const struct task *t, uint64_t before[KTRACE_FAULT_KINDS]);
/* The fault event once handled: its kind is the counter that moved. */
void ktrace_fault(struct task *t, uint32_t addr, uint32_t err, const struct fault_outcome *out,
		  const uint64_t before[KTRACE_FAULT_KINDS]);

/* strace's name of a signal's si_code ("SEGV_MAPERR", "SI_USER"...), or NULL. */
const char *si_code_name(int sig, int code);
/* A signal taken off the queue: handler 0 default, 1 ignored, else the handler's address. */
void ktrace_signal(struct task *t, int sig, const struct siginfo_i386 *info, uint32_t handler);

/* The sched class (ktrace_sched.c). A switch also tells the sink which task now runs (the
 * events' pid and tid), so it is called whenever a sink exists, whatever the classes. */
void ktrace_sched_switch(const struct task *prev, const struct task *next, bool cr3_loaded);
void ktrace_sched_fork(const struct task *parent, const struct task *child, uint32_t flags);
void ktrace_sched_exec(const struct task *t);
void ktrace_sched_exit(const struct task *t);
#endif
