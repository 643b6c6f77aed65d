/*
 * The page of `vmlab run --report` (report.h): configuration, address-space maps, plots,
 * page tables, faulting instructions, totals. One file, its style inline, no script and
 * nothing fetched; no wall time on it, so the same run writes the same bytes.
 */
#include <stdlib.h>
#include <string.h>

#include "cli/report.h"
#include "cli/report_svg.h"
#include "cli/version.h"
#include "kernel/mm/mmap.h"

static const char *const kind_names[RUN_OBSERVER_FAULT_KINDS] = {
    "demand_zero", "zero_page", "file",	    "cow",     "wp_reuse",
    "thp",	   "special",	"spurious", "SIGSEGV", "SIGBUS"};

static const char style[] =
    "body{font:14px/1.4 sans-serif;margin:1em 2em;color:#222;max-width:1100px}"
    "h1{font-size:1.5em}h2{border-bottom:1px solid #ccc;margin-top:1.6em}"
    "nav a{margin-right:1em}table{border-collapse:collapse;margin:.5em 0}"
    "td,th{border:1px solid #ddd;padding:2px 6px;text-align:left;vertical-align:top}"
    "td.n,th.n{text-align:right;font-variant-numeric:tabular-nums}"
    "pre,td.addr,td.bytes,td.insn,code{font-family:monospace;font-size:13px}"
    "pre{background:#f6f6f6;padding:.6em;overflow-x:auto}#config pre{white-space:pre-wrap}"
    "table.disasm td{border:none;padding:0 8px}table.disasm "
    "tr.fault{background:#fdd;font-weight:bold}"
    "figure{margin:.5em 0}svg text{font:11px sans-serif;fill:#333}"
    "rect.plot{fill:#fafafa;stroke:#999}line.grid{stroke:#e4e4e4}"
    "text.yt{text-anchor:end}text.xt,text.xl{text-anchor:middle}text.ct{font-weight:bold;font-size:"
    "13px}"
    "polyline.series{fill:none;stroke-width:1.8}"
    "rect.vbox{fill:#fff;stroke:#555}g.vma rect.rss{stroke:none}"
    "g.code rect.rss{fill:#d9a05b}g.file rect.rss{fill:#6b9bd1}g.anon rect.rss{fill:#74b36b}"
    "g.heap rect.rss{fill:#4c9a45}g.stack rect.rss{fill:#a874c4}g.special rect.rss{fill:#999}"
    "path.break{stroke:#777;fill:none}text.gap{fill:#777;font-size:10px;text-anchor:middle}"
    "rect.pdempty{fill:#f0f0f0;stroke:#ccc}rect.pdtable{fill:#2a7ab9}rect.pdhuge{fill:#c0392b}"
    ".bar{display:inline-block;height:9px;background:#2a7ab9}.note{color:#666}"
    ".key span{display:inline-block;width:10px;height:10px;margin:0 3px 0 10px}";

static void esc(FILE *f, const char *s)
{
	html_escape(f, s);
}

static void kb_cell(FILE *f, uint64_t pages)
{
	fprintf(f, "<td class=\"n\">%llu</td>", (unsigned long long)pages * 4);
}

/* The --stats text without its wall-time line: the page must not depend on the host's
 * speed. The lines before "exit:" describe the run, the rest are its totals. */
static char *stats_text(const struct run_info *ri, struct machine *m)
{
	char *buf = NULL;
	size_t len = 0;
	FILE *mf = open_memstream(&buf, &len);
	if (!mf)
		return NULL;
	run_stats_print(mf, ri, m, false);
	fclose(mf);
	char *w = buf;
	for (char *l = buf; l && *l;) {
		char *nl = strchr(l, '\n');
		size_t n = nl ? (size_t)(nl - l) + 1 : strlen(l);
		if (strncmp(l, "wall time:", 10)) {
			memmove(w, l, n);
			w += n;
		}
		l += n;
	}
	if (buf)
		*w = 0;
	return buf;
}

static void section_config(FILE *f, const struct report *r, const char *stats)
{
	fprintf(f, "<section id=\"config\"><h2>Configuration</h2>\n<pre>");
	const char *ex = stats ? strstr(stats, "\nexit:") : NULL;
	const char *body = stats ? strchr(stats, '\n') : NULL; /* after the header line */
	if (body && ex) {
		char *part = strndup(body + 1, (size_t)(ex - body));
		esc(f, part);
		free(part);
	}
	fprintf(f,
		"</pre>\n<p>Samples: every %llu instructions at first (the interval doubles "
		"when %u samples are reached), taken at the first CPU exit after each mark; %zu "
		"samples, interval now %llu.</p></section>\n",
		(unsigned long long)r->first_interval, REPORT_MAX_SAMPLES, r->nsamples,
		(unsigned long long)r->interval);
}

static void perms(char out[5], uint32_t fl)
{
	out[0] = fl & VM_READ ? 'r' : '-';
	out[1] = fl & VM_WRITE ? 'w' : '-';
	out[2] = fl & VM_EXEC ? 'x' : '-';
	out[3] = fl & VM_MAYSHARE ? 's' : 'p';
	out[4] = 0;
}

/* The views of p to show: at its exit, and near its peak when the exit's RSS is well
 * below (a program that unmapped its memory before ending). */
static size_t views_of(const struct report_proc *p, const struct report_view *v[2])
{
	size_t n = 0;
	if (!p->ended)
		return 0;
	if (p->at_peak.nvmas &&
	    p->at_peak.rss_pages > p->at_exit.rss_pages + p->at_exit.rss_pages / 4)
		v[n++] = &p->at_peak;
	v[n++] = &p->at_exit;
	return n;
}

static void view_heading(FILE *f, const struct report_proc *p, const struct report_view *v)
{
	fprintf(f, "<h3>pid %d ", p->pid);
	esc(f, p->comm);
	if (v == &p->at_exit)
		fprintf(f,
			" <span class=\"note\">(at its exit, instruction %llu; RSS %llu kB, peak "
			"%llu kB)</span>",
			(unsigned long long)v->insns, (unsigned long long)v->rss_pages * 4,
			(unsigned long long)p->peak_rss * 4);
	else
		fprintf(
		    f,
		    " <span class=\"note\">(near its peak, instruction %llu; RSS %llu kB)</span>",
		    (unsigned long long)v->insns, (unsigned long long)v->rss_pages * 4);
	fprintf(f, "</h3>\n");
}

static void view_id(char *buf, size_t n, const char *what, const struct report_proc *p,
		    const struct report_view *v)
{
	snprintf(buf, n, "%s-%d%s", what, p->pid, v == &p->at_exit ? "" : "-peak");
}

static void section_vmas(FILE *f, const struct report *r)
{
	fprintf(f,
		"<section id=\"vmas\"><h2>Address space</h2>\n<p>Each process's VMAs when it "
		"ended (and near its peak RSS when it had given most of it back by then), in "
		"address order. Widths grow with the logarithm of the size; the gaps between VMAs "
		"are cut short (marked, with their size over the large ones); the filled part of "
		"a VMA is the share of its pages resident (smaps' Rss). "
		"<span class=\"key\"><span style=\"background:#d9a05b\"></span>code"
		"<span style=\"background:#6b9bd1\"></span>file<span style=\"background:#74b36b\">"
		"</span>anonymous<span style=\"background:#4c9a45\"></span>heap"
		"<span style=\"background:#a874c4\"></span>stack<span style=\"background:#999\">"
		"</span>vdso/vvar</span></p>\n");
	for (size_t i = 0; i < r->nprocs; i++) {
		const struct report_proc *p = &r->procs[i];
		const struct report_view *views[2];
		size_t nv = views_of(p, views);
		for (size_t j = 0; j < nv; j++) {
			const struct report_view *w = views[j];
			view_heading(f, p, w);
			char id[48];
			view_id(id, sizeof id, "vmamap", p, w);
			svg_vma_map(f, id, w);
			view_id(id, sizeof id, "vmas", p, w);
			fprintf(
			    f,
			    "<table class=\"vmas\" id=\"%s\"><tr><th>start</th><th>end</th>"
			    "<th>perms</th><th class=\"n\">size kB</th><th class=\"n\">RSS kB</th>"
			    "<th class=\"n\">swap kB</th><th>name</th></tr>\n",
			    id);
			for (size_t k = 0; k < w->nvmas; k++) {
				const struct report_vma *v = &w->vmas[k];
				char pm[5];
				perms(pm, v->flags);
				fprintf(
				    f,
				    "<tr><td class=\"addr\">%08x</td><td class=\"addr\">%08x</td>"
				    "<td><code>%s</code></td>",
				    v->start, v->end, pm);
				kb_cell(f, (v->end - v->start) / 4096);
				kb_cell(f, v->rss_pages);
				kb_cell(f, v->swap_pages);
				fprintf(f, "<td>");
				esc(f, v->name);
				fprintf(f, "</td></tr>\n");
			}
			fprintf(f, "</table>\n");
		}
	}
	if (r->procs_untracked)
		fprintf(
		    f,
		    "<p class=\"note\">%llu more processes ran; only the first %u are shown.</p>\n",
		    (unsigned long long)r->procs_untracked, REPORT_MAX_PROCS);
	fprintf(f, "</section>\n");
}

/* The points of process slot, as x (instructions) and y = what(point). */
static size_t proc_series(const struct report *r, int slot, double *x, double *y,
			  double (*what)(const struct report_proc_point *))
{
	size_t n = 0;
	for (size_t i = 0; i < r->npoints; i++)
		if (r->points[i].slot == slot) {
			x[n] = (double)r->samples[r->points[i].sample].insns;
			y[n] = what(&r->points[i]);
			n++;
		}
	return n;
}

static double rss_kb(const struct report_proc_point *p)
{
	return (double)(p->rss_anon + p->rss_file + p->rss_shmem) * 4;
}
static double anon_kb(const struct report_proc_point *p)
{
	return (double)p->rss_anon * 4;
}
static double file_kb(const struct report_proc_point *p)
{
	return (double)(p->rss_file + p->rss_shmem) * 4;
}
static double swap_kb(const struct report_proc_point *p)
{
	return (double)p->swapents * 4;
}
static double faults_of(const struct report_proc_point *p)
{
	return (double)p->faults;
}

static void section_plots(FILE *f, const struct report *r)
{
	fprintf(f, "<section id=\"plots\"><h2>Over time</h2>\n<p>The x axis is the instructions "
		   "retired (the virtual clock: one instruction is 1 ns).</p>\n");
	size_t ns = r->nsamples, np = r->npoints ? r->npoints : 1;
	size_t nser = RUN_OBSERVER_FAULT_KINDS + 3 * REPORT_MAX_PROCS + 8;
	double *buf = calloc((ns + np + 1) * 2 * nser, sizeof *buf);
	struct svg_series s[RUN_OBSERVER_FAULT_KINDS + 3 * REPORT_MAX_PROCS + 8];
	if (!buf) {
		fprintf(f, "<p>out of memory</p></section>\n");
		return;
	}
	size_t stride = ns + np + 1, used = 0;
	/* RSS: per process, or its parts when only one ran */
	size_t n = 0;
	char names[3 * REPORT_MAX_PROCS][64];
	if (r->nprocs == 1) {
		double (*fn[3])(const struct report_proc_point *) = {rss_kb, anon_kb, file_kb};
		const char *nm[3] = {"RSS", "anonymous", "file and shmem"};
		for (int k = 0; k < 3; k++, used++) {
			double *x = buf + used * 2 * stride, *y = x + stride;
			s[n] = (struct svg_series){nm[k], x, y, proc_series(r, 0, x, y, fn[k])};
			n++;
		}
	} else {
		for (size_t i = 0; i < r->nprocs; i++, used++) {
			double *x = buf + used * 2 * stride, *y = x + stride;
			snprintf(names[i], sizeof names[i], "%d %s", r->procs[i].pid,
				 r->procs[i].comm);
			s[n] = (struct svg_series){names[i], x, y,
						   proc_series(r, (int)i, x, y, rss_kb)};
			n++;
		}
	}
	svg_line_chart(f, "plot-rss", "Resident set size", "instructions retired", "kB", s, n);

	/* faults by kind, cumulative; then per process */
	n = 0;
	for (int k = 0; k < RUN_OBSERVER_FAULT_KINDS; k++) {
		if (!ns || !r->samples[ns - 1].kinds[k])
			continue;
		double *x = buf + used * 2 * stride, *y = x + stride;
		used++;
		for (size_t i = 0; i < ns; i++) {
			x[i] = (double)r->samples[i].insns;
			y[i] = (double)r->samples[i].kinds[k];
		}
		s[n++] = (struct svg_series){kind_names[k], x, y, ns};
	}
	svg_line_chart(f, "plot-faults", "Page faults by kind (cumulative)", "instructions retired",
		       "faults", s, n);
	if (r->nprocs > 1) {
		n = 0;
		for (size_t i = 0; i < r->nprocs; i++, used++) {
			double *x = buf + used * 2 * stride, *y = x + stride;
			snprintf(names[REPORT_MAX_PROCS + i], sizeof names[0], "%d %s",
				 r->procs[i].pid, r->procs[i].comm);
			s[n] = (struct svg_series){names[REPORT_MAX_PROCS + i], x, y,
						   proc_series(r, (int)i, x, y, faults_of)};
			n++;
		}
		svg_line_chart(f, "plot-proc-faults",
			       "Page faults per process (cumulative, min+maj)",
			       "instructions retired", "faults", s, n);
	}

	/* the TLB's miss rate in each interval */
	{
		double *x = buf + used * 2 * stride, *y = x + stride;
		used++;
		size_t m = 0;
		for (size_t i = 1; i < ns; i++) {
			uint64_t dl = r->samples[i].tlb_lookups - r->samples[i - 1].tlb_lookups;
			uint64_t dm = r->samples[i].tlb_misses - r->samples[i - 1].tlb_misses;
			if (!dl)
				continue;
			x[m] = (double)r->samples[i].insns;
			y[m++] = 100.0 * (double)dm / (double)dl;
		}
		s[0] = (struct svg_series){"miss rate", x, y, m};
		svg_line_chart(f, "plot-tlb", "TLB miss rate in each interval",
			       "instructions retired", "% of lookups", s, 1);
	}

	/* swap */
	{
		double *x = buf + used * 2 * stride, *y = x + stride;
		used++;
		double *x2 = buf + used * 2 * stride, *y2 = x2 + stride;
		used++;
		double *x3 = buf + used * 2 * stride, *y3 = x3 + stride;
		used++;
		for (size_t i = 0; i < ns; i++) {
			x[i] = x2[i] = x3[i] = (double)r->samples[i].insns;
			y[i] = (double)r->samples[i].swap_used_pages * 4;
			y2[i] = (double)r->samples[i].pswpout * 4;
			y3[i] = (double)r->samples[i].pswpin * 4;
		}
		s[0] = (struct svg_series){"swap in use", x, y, ns};
		s[1] = (struct svg_series){"written (pswpout)", x2, y2, ns};
		s[2] = (struct svg_series){"read (pswpin)", x3, y3, ns};
		n = 3;
		if (!r->m->cfg.swap_bytes)
			fprintf(f,
				"<p class=\"note\">No swap area (--swap=SIZE adds one): swap use "
				"stays 0.</p>\n");
		else if (r->nprocs > 1)
			for (size_t i = 0; i < r->nprocs; i++, used++) {
				double *px = buf + used * 2 * stride, *py = px + stride;
				snprintf(names[2 * REPORT_MAX_PROCS + i], sizeof names[0],
					 "%d %s swapped", r->procs[i].pid, r->procs[i].comm);
				s[n++] =
				    (struct svg_series){names[2 * REPORT_MAX_PROCS + i], px, py,
							proc_series(r, (int)i, px, py, swap_kb)};
			}
		svg_line_chart(f, "plot-swap", "Swap", "instructions retired", "kB", s, n);
	}
	free(buf);
	fprintf(f, "</section>\n");
}

static void view_tables(FILE *f, const struct report_proc *proc, const struct report_view *p)
{
	view_heading(f, proc, p);
	uint32_t tables = 0, huge = 0;
	uint64_t ptes = 0, swp = 0;
	for (size_t k = 0; k < p->npdes; k++) {
		huge += p->pdes[k].huge;
		tables += !p->pdes[k].huge;
		ptes += p->pdes[k].huge ? 0 : p->pdes[k].present;
		swp += p->pdes[k].swap;
	}
	fprintf(f, "<p class=\"ptsum\">CR3 0x%llx: ", (unsigned long long)p->cr3);
	if (p->pae)
		fprintf(
		    f, "a PDPT with %u of 4 entries present, each a page directory of 512 entries;",
		    p->pdpt_present);
	else
		fprintf(f, "a page directory of 1024 entries;");
	fprintf(f,
		" %u user PDE slots, <b>%zu present</b> (%u page tables, %u huge pages), "
		"%u kernel PDEs present (shared by every process); <b>%llu PTEs present</b> "
		"in the page tables (%u each), %llu holding swap entries.</p>\n",
		p->user_pdes, p->npdes, tables, huge, p->kernel_pdes_present,
		(unsigned long long)ptes, p->ptes_per_table, (unsigned long long)swp);
	char id[48];
	view_id(id, sizeof id, "pdegrid", proc, p);
	svg_pde_grid(f, id, p);
	view_id(id, sizeof id, "ptables", proc, p);
	fprintf(f,
		"<table class=\"ptables\" id=\"%s\"><tr>%s<th class=\"n\">PDE</th>"
		"<th>maps</th><th>kind</th><th class=\"n\">PTEs present</th><th>occupancy</th>"
		"<th class=\"n\">swap PTEs</th></tr>\n",
		id, p->pae ? "<th class=\"n\">PDPTE</th>" : "");
	uint32_t span = p->pae ? 1u << 21 : 1u << 22;
	for (size_t k = 0; k < p->npdes; k++) {
		const struct report_pde *d = &p->pdes[k];
		fprintf(f, "<tr>");
		if (p->pae)
			fprintf(f, "<td class=\"n\">%u</td>", d->pdpt);
		fprintf(f, "<td class=\"n\">%u</td><td class=\"addr\">%08x-%08x</td><td>%s</td>",
			d->index, d->base, (uint32_t)(d->base + (span - 1)),
			d->huge ? "huge page" : "page table");
		if (d->huge)
			fprintf(f, "<td class=\"n\">-</td><td></td><td class=\"n\">-</td></tr>\n");
		else
			fprintf(f,
				"<td class=\"n\">%u / %u</td><td><span class=\"bar\" "
				"style=\"width:%upx\"></span></td><td class=\"n\">%u</td></tr>\n",
				d->present, p->ptes_per_table,
				(d->present * 200 + p->ptes_per_table - 1) / p->ptes_per_table,
				d->swap);
	}
	fprintf(f, "</table>\n");
}

static void section_pagetables(FILE *f, const struct report *r)
{
	fprintf(f,
		"<section id=\"pagetables\"><h2>Page tables</h2>\n<p>Each process's page "
		"directory, at the same moments as its address space above. A cell is one PDE of "
		"the user part: blue a page table, darker the more of its PTEs are present; red a "
		"huge page (THP) mapped by the PDE itself; grey nothing.</p>\n");
	for (size_t i = 0; i < r->nprocs; i++) {
		const struct report_view *views[2];
		size_t nv = views_of(&r->procs[i], views);
		for (size_t j = 0; j < nv; j++)
			view_tables(f, &r->procs[i], views[j]);
	}
	fprintf(f, "</section>\n");
}

static int by_count(const void *a, const void *b)
{
	const struct report_eip *x = *(const struct report_eip *const *)a;
	const struct report_eip *y = *(const struct report_eip *const *)b;
	if (x->count != y->count)
		return x->count < y->count ? 1 : -1;
	return x->eip < y->eip ? -1 : x->eip > y->eip;
}

static void section_faults(FILE *f, const struct report *r)
{
	fprintf(f,
		"<section id=\"faults\"><h2>Where the faults come from</h2>\n<p>The "
		"instructions that took the most page faults in user mode (%llu faults at %zu "
		"addresses; faults the kernel takes on user memory inside a system call are not "
		"here), with their symbol and their code, the faulting instruction "
		"highlighted. The lines before it are decoded from the function's start when it is "
		"near, otherwise from the first byte whose decoding reaches the instruction.</p>\n",
		(unsigned long long)r->user_faults, r->neips);
	const struct report_eip **top = calloc(r->neips ? r->neips : 1, sizeof *top);
	if (!top) {
		fprintf(f, "<p>out of memory</p></section>\n");
		return;
	}
	size_t n = 0;
	for (size_t i = 0; i < r->eip_cap; i++)
		if (r->eips[i].count)
			top[n++] = &r->eips[i];
	qsort(top, n, sizeof *top, by_count);
	if (n > REPORT_TOP_EIPS)
		n = REPORT_TOP_EIPS;
	fprintf(f, "<table id=\"faulting-eips\"><tr><th class=\"n\">#</th><th>EIP</th>"
		   "<th>symbol</th><th class=\"n\">faults</th><th>kinds</th><th>code</th></tr>\n");
	for (size_t i = 0; i < n; i++) {
		const struct report_eip *e = top[i];
		fprintf(
		    f,
		    "<tr class=\"feip\"><td class=\"n\">%zu</td><td class=\"addr\">%08x</td><td>",
		    i + 1, e->eip);
		esc(f, e->sym[0] ? e->sym : "?");
		fprintf(f, "</td><td class=\"n\">%llu</td><td>", (unsigned long long)e->count);
		for (int k = 0; k < RUN_OBSERVER_FAULT_KINDS; k++)
			if (e->kinds[k])
				fprintf(f, "%s %llu<br>", kind_names[k],
					(unsigned long long)e->kinds[k]);
		fprintf(f, "</td><td><table class=\"disasm\">\n");
		if (!report_disasm_rows(f, e->code, e->code_len, e->code_start, e->eip,
					e->code_exact))
			fprintf(f, "<tr><td class=\"note\">(code not readable)</td></tr>\n");
		fprintf(f, "</table></td></tr>\n");
	}
	fprintf(f, "</table>\n</section>\n");
	free(top);
}

static void section_totals(FILE *f, const struct report *r, const char *stats)
{
	fprintf(f, "<section id=\"totals\"><h2>Totals</h2>\n<p>The statistics of <code>--stats"
		   "</code> (docs/observe.md), without the wall time.</p>\n<pre>");
	const char *ex = stats ? strstr(stats, "\nexit:") : NULL;
	esc(f, ex ? ex + 1 : stats ? stats : "");
	fprintf(f, "</pre>\n<table id=\"counters\"><tr><th>counter</th><th class=\"n\">value</th>"
		   "<th>unit</th><th>meaning</th></tr>\n");
	for (int k = 0; k < CTR_COUNT; k++) {
		if (!r->m->ctr.v[k])
			continue;
		fprintf(f, "<tr><td><code>%s</code></td><td class=\"n\">%llu</td><td>%s</td><td>",
			counter_info[k].name, (unsigned long long)r->m->ctr.v[k],
			counter_info[k].unit);
		esc(f, counter_info[k].meaning);
		fprintf(f, "</td></tr>\n");
	}
	fprintf(f, "</table>\n</section>\n");
}

int report_write_html(FILE *f, const struct report *r, const struct run_info *ri)
{
	char *stats = stats_text(ri, r->m);
	fprintf(f, "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n"
		   "<title>vmlab report: ");
	esc(f, ri->program ? ri->program : "(not run)");
	fprintf(f, "</title>\n<style>%s</style>\n</head>\n<body>\n<h1>vmlab report: ", style);
	esc(f, ri->program ? ri->program : "(not run)");
	fprintf(f,
		"</h1>\n<nav><a href=\"#config\">configuration</a><a href=\"#vmas\">address "
		"space</a><a href=\"#plots\">over time</a><a href=\"#pagetables\">page tables</a>"
		"<a href=\"#faults\">faulting code</a><a href=\"#totals\">totals</a></nav>\n");
	if (r->oom)
		fprintf(f,
			"<p class=\"note\">vmlab ran out of host memory while gathering: parts of "
			"this page are missing.</p>\n");
	section_config(f, r, stats);
	section_vmas(f, r);
	section_plots(f, r);
	section_pagetables(f, r);
	section_faults(f, r);
	section_totals(f, r, stats);
	fprintf(f,
		"<footer class=\"note\">vmlab %s. Everything here follows from the program, its "
		"input and the options: the same run writes the same page.</footer>\n</body>\n"
		"</html>\n",
		VMLAB_VERSION);
	free(stats);
	return ferror(f) ? -1 : 0;
}
