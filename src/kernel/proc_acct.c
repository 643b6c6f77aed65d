/* Per-process accounting rows (proc_acct.h). */
#include "kernel/proc_acct.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "kernel/mm/mmap.h"
#include "kernel/sched.h"

const char *const proc_acct_kind_names[PROC_ACCT_KINDS] = {
    "demand_zero", "zero_page", "file", "cow", "wp_reuse", "thp", "special", "spurious", "swapin"};
const enum counter_id proc_acct_kind_ctr[PROC_ACCT_KINDS] = {
    CTR_fault_demand_zero, CTR_fault_zero_page, CTR_fault_file,
    CTR_fault_cow,	   CTR_fault_wp_reuse,	CTR_thp_fault_alloc,
    CTR_fault_special,	   CTR_fault_spurious,	CTR_fault_swapin};

int proc_acct_new(struct proc_acct_table *a, struct task *t, int ppid)
{
	if (a->nr == a->cap) {
		size_t cap = a->cap ? a->cap * 2 : 16;
		struct proc_acct *n = realloc(a->rows, cap * sizeof *n);
		if (!n)
			return -ENOMEM;
		a->rows = n;
		a->cap = cap;
	}
	struct proc_acct *r = &a->rows[a->nr];
	memset(r, 0, sizeof *r);
	r->pid = t->tgid;
	r->ppid = ppid;
	snprintf(r->comm, sizeof r->comm, "%s", t->comm ? t->comm : "");
	t->acct_row = (int)a->nr++;
	return 0;
}

static void charge(struct proc_acct_table *a, const struct counters *c)
{
	for (int k = 0; k < PROC_ACCT_KINDS; k++) {
		uint64_t v = c->v[proc_acct_kind_ctr[k]];
		if (a->cur >= 0 && (size_t)a->cur < a->nr)
			a->rows[a->cur].kinds[k] += v - a->mark[k];
		a->mark[k] = v;
	}
}

void proc_acct_switch(struct proc_acct_table *a, const struct counters *c, const struct task *next)
{
	charge(a, c);
	a->cur = next ? next->acct_row : -1;
}

/* t's own counts added into row r */
static void fold(struct proc_acct *r, const struct task *t)
{
	r->insns += t->utime_insns;
	r->minflt += t->min_flt;
	r->majflt += t->maj_flt;
	r->nvcsw += t->nvcsw;
	r->nivcsw += t->nivcsw;
	uint64_t peak = t->maxrss_pages;
	if (t->mm && t->mm->hiwater_rss > peak)
		peak = t->mm->hiwater_rss;
	if (peak > r->peak_rss_pages)
		r->peak_rss_pages = peak;
	if (t->pid == t->tgid) {
		snprintf(r->comm, sizeof r->comm, "%s", t->comm ? t->comm : "");
		r->ended = t->exited || t->state >= EXIT_ZOMBIE;
		r->exit_code = t->exit_code;
		r->exit_signal = t->exit_signal;
	}
}

void proc_acct_exit(struct proc_acct_table *a, struct task *t)
{
	if (t->acct_folded || t->acct_row < 0 || (size_t)t->acct_row >= a->nr)
		return;
	t->acct_folded = true;
	fold(&a->rows[t->acct_row], t);
}

struct proc_acct *proc_acct_snapshot(struct sched *s, const struct counters *c, size_t *n)
{
	struct proc_acct_table *a = &s->acct;
	*n = 0;
	if (!a->nr)
		return NULL;
	charge(a, c);
	struct proc_acct *rows = malloc(a->nr * sizeof *rows);
	if (!rows)
		return NULL;
	memcpy(rows, a->rows, a->nr * sizeof *rows);
	for (size_t i = 0; i < s->nr; i++) {
		const struct task *t = s->tasks[i];
		if (!t->acct_folded && t->acct_row >= 0 && (size_t)t->acct_row < a->nr)
			fold(&rows[t->acct_row], t);
	}
	*n = a->nr;
	return rows;
}

void proc_acct_free(struct proc_acct_table *a)
{
	free(a->rows);
	memset(a, 0, sizeof *a);
	a->cur = -1;
}
