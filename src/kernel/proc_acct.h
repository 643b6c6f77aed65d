/*
 * Per-process accounting for `vmlab run --stats` (docs/observe.md): one row for every
 * process that ran, kept after it is reaped. The machine's counters are global; the fault
 * kinds are split between processes by charging each counter's movement to the process on
 * the CPU, at every context switch, so the rows' kinds sum to the machine's totals.
 */
#ifndef VMLAB_KERNEL_PROC_ACCT_H
#define VMLAB_KERNEL_PROC_ACCT_H
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "trace/counters.h"

struct sched;
struct task;

#define PROC_ACCT_KINDS 9 /* the fault kinds of --stats, in its order */
extern const char *const proc_acct_kind_names[PROC_ACCT_KINDS];
extern const enum counter_id proc_acct_kind_ctr[PROC_ACCT_KINDS];

struct proc_acct {
	int pid, ppid; /* ppid: the process that forked it (or exec'd it: the first) */
	char comm[16];
	uint64_t insns, minflt, majflt;
	uint64_t kinds[PROC_ACCT_KINDS];
	uint64_t peak_rss_pages;
	uint64_t nvcsw, nivcsw; /* as /proc/PID/status counts them, summed over its threads */
	bool ended;		/* exited (else still alive when the run ended) */
	int exit_code, exit_signal;
	unsigned tasks_folded; /* its threads already added in */
};

struct proc_acct_table {
	struct proc_acct *rows;
	size_t nr, cap;
	int cur;			/* the row charged for counter movement, or -1 */
	uint64_t mark[PROC_ACCT_KINDS]; /* the counters when it was last charged */
};

/* A new row for process t (its first task): t->acct_row. 0 or -ENOMEM. */
int proc_acct_new(struct proc_acct_table *a, struct task *t, int ppid);
/* next takes the CPU: what the counters moved since the last call goes to the row on it. */
void proc_acct_switch(struct proc_acct_table *a, const struct counters *c, const struct task *next);
/* A task exits: its counts go into its process's row (once). */
void proc_acct_exit(struct proc_acct_table *a, struct task *t);
/* The rows as of now (live tasks included, counters charged): a malloc'ed copy, *n rows;
 * NULL when there are none. */
struct proc_acct *proc_acct_snapshot(struct sched *s, const struct counters *c, size_t *n);
void proc_acct_free(struct proc_acct_table *a);
#endif
