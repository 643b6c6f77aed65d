/*
 * What the run loop tells an observer of the whole run (`vmlab run --report`): a periodic
 * point on the instruction clock, each user-mode page fault with the instruction that took
 * it, and each task's end while its address space still exists. The loop tests one pointer
 * at points that are already slow (a CPU exit, a fault, an exit), so a run without an
 * observer pays nothing; an observer only reads, so a run with one counts the same.
 */
#ifndef VMLAB_KERNEL_RUN_OBSERVER_H
#define VMLAB_KERNEL_RUN_OBSERVER_H
#include <stdint.h>

#include "kernel/task.h"

/* The fault-kind counters the observer is told the values of before a fault (in this
 * order), so that it can tell which one the fault moved. */
#define RUN_OBSERVER_FAULT_KINDS 10

struct run_observer {
	/* sample() is called at the first CPU exit (system call, fault, end of a time slice)
	 * once the instructions retired reach next_sample; it sets the next one. */
	uint64_t next_sample;
	void (*sample)(struct run_observer *o);
	/* A page fault taken in user mode at eip, after the kernel handled it; before[] are
	 * the counters of run_observer_fault_kind_ctr as they were before it. */
	void (*fault)(struct run_observer *o, struct task *t, uint32_t eip, uint32_t addr,
		      uint32_t err, const uint64_t before[RUN_OBSERVER_FAULT_KINDS]);
	/* t ends (exit, a fatal signal, the end of the run); t->mm is still there. */
	void (*task_exit)(struct run_observer *o, struct task *t);
};

/* demand_zero, zero_page, file, cow, wp_reuse, thp, special, spurious, sigsegv, sigbus */
extern const enum counter_id run_observer_fault_kind_ctr[RUN_OBSERVER_FAULT_KINDS];
#endif
