/* Gathering for `vmlab run --report` while the program runs (report.h). */
#include "cli/report.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "kernel/elf_sym.h"
#include "kernel/mm/filemap.h"
#include "kernel/mm/swap.h"

#define REPORT_MAX_EIPS 65536u /* distinct faulting instructions remembered */

static struct report *of(struct run_observer *o)
{
	return (struct report *)o; /* obs is the first member */
}

static void *grow(void *p, size_t *cap, size_t size)
{
	size_t n = *cap ? *cap * 2 : 64;
	void *q = realloc(p, n * size);
	if (q)
		*cap = n;
	return q;
}

static void set_comm(struct report_proc *p, const struct task *t)
{
	snprintf(p->comm, sizeof p->comm, "%s", t->comm ? t->comm : "?");
}

/* The slot of the live process tgid, a new one, or -1 (too many). */
static int proc_slot(struct report *r, const struct task *t)
{
	for (size_t i = 0; i < r->nprocs; i++)
		if (r->procs[i].pid == t->tgid && !r->procs[i].ended)
			return (int)i;
	if (r->nprocs == REPORT_MAX_PROCS)
		return -1;
	struct report_proc *p = &r->procs[r->nprocs];
	memset(p, 0, sizeof *p);
	p->pid = t->tgid;
	p->ppid = t->ppid;
	set_comm(p, t);
	return (int)r->nprocs++;
}

static bool is_leader(const struct task *t)
{
	return t->pid == t->tgid;
}

/* Every other sample goes and the interval doubles: the page stays small and the samples
 * stay evenly spread, whatever the length of the run. */
static void thin(struct report *r)
{
	size_t k = 0;
	for (size_t i = 0; i < r->nsamples; i += 2)
		r->samples[k++] = r->samples[i];
	r->nsamples = k;
	size_t j = 0;
	for (size_t i = 0; i < r->npoints; i++) {
		struct report_proc_point pt = r->points[i];
		if (pt.sample & 1)
			continue;
		pt.sample /= 2;
		r->points[j++] = pt;
	}
	r->npoints = j;
	r->interval *= 2;
}

static void take_sample(struct report *r)
{
	struct machine *m = r->m;
	if (r->nsamples == REPORT_MAX_SAMPLES)
		thin(r);
	if (r->nsamples == r->cap_samples) {
		struct report_sample *n = grow(r->samples, &r->cap_samples, sizeof *n);
		if (!n) {
			r->oom = true;
			return;
		}
		r->samples = n;
	}
	struct report_sample *s = &r->samples[r->nsamples];
	memset(s, 0, sizeof *s);
	s->insns = m->cpu.insns;
	for (int k = 0; k < RUN_OBSERVER_FAULT_KINDS; k++)
		s->kinds[k] = m->ctr.v[run_observer_fault_kind_ctr[k]];
	s->major = m->ctr.v[CTR_fault_major];
	s->tlb_lookups = m->ctr.v[CTR_tlb_lookups];
	s->tlb_misses = m->ctr.v[CTR_tlb_misses];
	s->pswpin = m->ctr.v[CTR_pswpin];
	s->pswpout = m->ctr.v[CTR_pswpout];
	if (m->km_ok) {
		s->swap_used_pages = total_swap_pages(&m->km) - nr_swap_pages(&m->km);
		s->free_pages = global_free_pages(&m->km);
	}
	uint32_t idx = (uint32_t)r->nsamples++;
	/* each process: its leader's address space, the faults of all its threads */
	struct sched *sc = &m->sched;
	size_t first = r->npoints;
	for (size_t i = 0; i < sc->nr; i++) {
		struct task *t = sc->tasks[i];
		if (t->state >= EXIT_ZOMBIE || !is_leader(t) || !t->mm)
			continue;
		int slot = proc_slot(r, t);
		if (slot < 0)
			continue;
		set_comm(&r->procs[slot], t);
		if (r->npoints == r->cap_points) {
			struct report_proc_point *n = grow(r->points, &r->cap_points, sizeof *n);
			if (!n) {
				r->oom = true;
				return;
			}
			r->points = n;
		}
		struct report_proc_point *pt = &r->points[r->npoints++];
		memset(pt, 0, sizeof *pt);
		pt->sample = idx;
		pt->slot = slot;
		pt->rss_anon = t->mm->rss_anon;
		pt->rss_file = t->mm->rss_file;
		pt->rss_shmem = t->mm->rss_shmem;
		pt->swapents = t->mm->swapents;
		struct report_view *pk = &r->procs[slot].at_peak;
		uint64_t rss = get_mm_rss(t->mm);
		if (rss > pk->rss_pages + pk->rss_pages / 4 + 16) {
			if (report_mm_snapshot(pk, t))
				r->oom = true;
			pk->insns = m->cpu.insns;
		}
	}
	for (size_t i = 0; i < sc->nr; i++) {
		struct task *t = sc->tasks[i];
		if (t->state >= EXIT_ZOMBIE)
			continue;
		for (size_t k = first; k < r->npoints; k++)
			if (r->procs[r->points[k].slot].pid == t->tgid)
				r->points[k].faults += t->min_flt + t->maj_flt;
	}
}

static void on_sample(struct run_observer *o)
{
	struct report *r = of(o);
	take_sample(r);
	uint64_t now = r->m->cpu.insns;
	o->next_sample = (now / r->interval + 1) * r->interval;
}

static size_t eip_hash(uint32_t eip, size_t cap)
{
	return (size_t)((eip * 2654435761u) & (uint32_t)(cap - 1));
}

static int eip_grow(struct report *r)
{
	size_t cap = r->eip_cap ? r->eip_cap * 2 : 256;
	struct report_eip *n = calloc(cap, sizeof *n);
	if (!n)
		return -1;
	for (size_t i = 0; i < r->eip_cap; i++) {
		if (!r->eips[i].count)
			continue;
		size_t h = eip_hash(r->eips[i].eip, cap);
		while (n[h].count)
			h = (h + 1) & (cap - 1);
		n[h] = r->eips[i];
	}
	free(r->eips);
	r->eips = n;
	r->eip_cap = cap;
	return 0;
}

/* The symbol of eip and the code around it, read once, when it first faults. */
static void describe_eip(struct report_eip *e, struct task *t)
{
	e->pid = t->tgid;
	uint32_t back = 0;
	const struct vm_area_struct *v = t->mm ? vma_lookup(t->mm, e->eip) : NULL;
	if (v && v->vm_file) {
		uint64_t off = (uint64_t)(e->eip - v->vm_start) + ((uint64_t)v->vm_pgoff << 12);
		if (!elf_sym_describe(vm_file_host_fd(v->vm_file), off, e->sym, sizeof e->sym)) {
			/* from the function's start when it is close: the lines before the
			 * faulting one decode as the compiler laid them out */
			const char *plus = strrchr(e->sym, '+');
			unsigned long d = plus ? strtoul(plus + 1, NULL, 16) : 0;
			if (d <= REPORT_CODE_BYTES / 2 && e->eip - d >= v->vm_start) {
				back = (uint32_t)d;
				e->code_exact = true;
			}
		} else {
			e->sym[0] = 0;
		}
	}
	if (!e->code_exact && v) {
		/* somewhere before: report_disasm_rows finds where decoding meets eip */
		back = e->eip - v->vm_start < REPORT_CODE_BYTES / 2 ? e->eip - v->vm_start
								    : REPORT_CODE_BYTES / 2;
	}
	e->code_start = e->eip - back;
	e->code_len = (uint32_t)report_mm_peek(t, e->code_start, e->code, sizeof e->code);
}

static void on_fault(struct run_observer *o, struct task *t, uint32_t eip, uint32_t addr,
		     uint32_t err, const uint64_t before[RUN_OBSERVER_FAULT_KINDS])
{
	(void)addr;
	(void)err;
	struct report *r = of(o);
	r->user_faults++;
	if (r->neips * 2 >= r->eip_cap) {
		if (r->neips >= REPORT_MAX_EIPS)
			return;
		if (eip_grow(r)) {
			r->oom = true;
			return;
		}
	}
	size_t h = eip_hash(eip, r->eip_cap);
	while (r->eips[h].count && r->eips[h].eip != eip)
		h = (h + 1) & (r->eip_cap - 1);
	struct report_eip *e = &r->eips[h];
	if (!e->count) {
		r->neips++;
		e->eip = eip;
		describe_eip(e, t);
	}
	e->count++;
	for (int k = 0; k < RUN_OBSERVER_FAULT_KINDS; k++)
		if (r->m->ctr.v[run_observer_fault_kind_ctr[k]] != before[k])
			e->kinds[k]++;
}

static void on_task_exit(struct run_observer *o, struct task *t)
{
	struct report *r = of(o);
	if (!is_leader(t))
		return;
	int slot = proc_slot(r, t);
	if (slot < 0) {
		r->procs_untracked++;
		return;
	}
	struct report_proc *p = &r->procs[slot];
	set_comm(p, t);
	p->ended = true;
	p->end_insns = r->m->cpu.insns;
	p->peak_rss = t->mm->hiwater_rss;
	if (report_mm_snapshot(&p->at_exit, t))
		r->oom = true;
	p->at_exit.insns = p->end_insns;
}

int report_start(struct report *r, struct machine *m, const char *path, uint64_t interval)
{
	memset(r, 0, sizeof *r);
	r->m = m;
	r->path = path;
	r->interval = r->first_interval = interval ? interval : REPORT_INTERVAL_DEFAULT;
	r->obs.sample = on_sample;
	r->obs.fault = on_fault;
	r->obs.task_exit = on_task_exit;
	r->obs.next_sample = 0;
	m->observer = &r->obs;
	return 0;
}

int report_finish(struct report *r, const struct run_info *ri)
{
	if (!r->m)
		return 0;
	/* the end of the run: the counts as --stats prints them */
	take_sample(r);
	r->m->observer = NULL;
	FILE *f = fopen(r->path, "we");
	if (!f) {
		fprintf(stderr, "vmlab run: --report %s: %s\n", r->path, strerror(errno));
		return -1;
	}
	int rc = report_write_html(f, r, ri);
	if (fclose(f) || rc) {
		fprintf(stderr, "vmlab run: --report %s: cannot write the page\n", r->path);
		return -1;
	}
	return 0;
}

void report_free(struct report *r)
{
	for (size_t i = 0; i < r->nprocs; i++) {
		report_view_free(&r->procs[i].at_exit);
		report_view_free(&r->procs[i].at_peak);
	}
	free(r->samples);
	free(r->points);
	free(r->eips);
	memset(r, 0, sizeof *r);
}
