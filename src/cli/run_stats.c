/* `vmlab run --stats`: text and JSON (run_stats.h, docs/observe.md). */
#include <stdlib.h>
#include <string.h>

#include "cli/run_options.h"
#include "cli/run_stats.h"
#include "kernel/mm/swap.h"
#include "kernel/proc_acct.h"
#include "kernel/signal.h"

typedef unsigned long long ull;

/* The numbers every form prints, derived once so that text and JSON agree. */
#define NR_KINDS PROC_ACCT_KINDS /* the fault kinds (kernel/proc_acct.h) */
#define kind_names proc_acct_kind_names
#define kind_ctr proc_acct_kind_ctr

struct derived {
	uint64_t insns, peak_kb;
	uint64_t faults, minor, major, kinds[NR_KINDS], kinds_sum;
	uint64_t tlb_fetch, tlb_data, invlpg_user;
	double mips, tlb_hit_pct, faults_per_minsn;
	struct proc_acct *procs; /* every process that ran (malloc'ed), nprocs rows */
	size_t nprocs;
};

static void derive(struct derived *d, const struct run_info *ri, struct machine *m)
{
	const uint64_t *v = m->ctr.v;
	memset(d, 0, sizeof *d);
	d->insns = m->cpu_ok ? m->cpu.insns : 0;
	d->peak_kb = (m->task.mm ? m->task.mm->hiwater_rss : m->peak_rss_pages) * 4;
	/* every process's faults: the kinds (machine counters) are theirs too */
	d->minor = m->task.min_flt;
	d->major = m->task.maj_flt;
	if (ri->ran && m->sched.init)
		d->procs = proc_acct_snapshot(&m->sched, &m->ctr, &d->nprocs);
	if (d->procs) {
		d->minor = d->major = 0;
		for (size_t i = 0; i < d->nprocs; i++) {
			d->minor += d->procs[i].minflt;
			d->major += d->procs[i].majflt;
		}
	}
	d->faults = d->minor + d->major;
	for (int k = 0; k < NR_KINDS; k++) {
		d->kinds[k] = v[kind_ctr[k]];
		d->kinds_sum += d->kinds[k];
	}
	d->tlb_fetch = v[CTR_tlb_fetch_lookups];
	d->tlb_data = v[CTR_tlb_lookups] - d->tlb_fetch;
	d->invlpg_user = v[CTR_tlb_flush_invlpg] - v[CTR_tlb_invlpg_kernel];
	d->mips = ri->wall_seconds > 0 ? (double)d->insns / ri->wall_seconds / 1e6 : 0;
	d->tlb_hit_pct =
	    v[CTR_tlb_lookups] ? 100.0 * (double)v[CTR_tlb_hits] / (double)v[CTR_tlb_lookups] : 0;
	d->faults_per_minsn = d->insns ? (double)d->faults * 1e6 / (double)d->insns : 0;
}

static void json_str(FILE *f, const char *s)
{
	fputc('"', f);
	for (const unsigned char *p = (const unsigned char *)s; *p; p++) {
		if (*p == '"' || *p == '\\')
			fprintf(f, "\\%c", *p);
		else if (*p < 0x20 || *p == 0x7f)
			fprintf(f, "\\u%04x", *p);
		else
			fputc(*p, f);
	}
	fputc('"', f);
}

static void json_limit(FILE *f, uint64_t v)
{
	if (v == ~0ull)
		fprintf(f, "\"unlimited\"");
	else
		fprintf(f, "%llu", (ull)v);
}

static void text_limit(FILE *f, uint64_t v)
{
	if (v == ~0ull)
		fprintf(f, "unlimited");
	else if (v && !(v & ((1u << 20) - 1)))
		fprintf(f, "%lluM", (ull)(v >> 20));
	else if (v && !(v & 1023) && v >= 65536)
		fprintf(f, "%lluK", (ull)(v >> 10));
	else
		fprintf(f, "%llu", (ull)v);
}

/* The per-process table: one object per process that ran, in the order they started. */
static void json_procs(FILE *f, const struct derived *d)
{
	fprintf(f, "[");
	for (size_t i = 0; i < d->nprocs; i++) {
		const struct proc_acct *r = &d->procs[i];
		fprintf(f, "%s{\"pid\": %d, \"ppid\": %d, \"command\": ", i ? ", " : "", r->pid,
			r->ppid);
		json_str(f, r->comm);
		fprintf(f,
			", \"instructions\": %llu, \"faults\": {\"total\": %llu, \"minor\": %llu, "
			"\"major\": %llu, \"by_kind\": {",
			(ull)r->insns, (ull)(r->minflt + r->majflt), (ull)r->minflt,
			(ull)r->majflt);
		for (int k = 0; k < NR_KINDS; k++)
			fprintf(f, "%s\"%s\": %llu", k ? ", " : "", kind_names[k],
				(ull)r->kinds[k]);
		fprintf(f,
			"}}, \"peak_rss_kb\": %llu, \"ctxt_switches\": {\"voluntary\": %llu, "
			"\"involuntary\": %llu}, \"exit\": {\"ended\": %s, \"code\": ",
			(ull)r->peak_rss_pages * 4, (ull)r->nvcsw, (ull)r->nivcsw,
			r->ended ? "true" : "false");
		if (r->ended && !r->exit_signal)
			fprintf(f, "%d, \"signal\": null, \"signal_name\": null}}",
				r->exit_code & 0xff);
		else if (r->ended)
			fprintf(f, "null, \"signal\": %d, \"signal_name\": \"%s\"}}",
				r->exit_signal, signal_name(r->exit_signal));
		else
			fprintf(f, "null, \"signal\": null, \"signal_name\": null}}");
	}
	fprintf(f, "]");
}

/* The same as text: a line per process, labelled "process" (--help-stats explains it). */
static void text_procs(FILE *f, const struct derived *d)
{
	if (!d->nprocs)
		return;
	fprintf(f, "processes: %zu ran; instructions, faults and kinds sum to the totals above\n",
		d->nprocs);
	for (size_t i = 0; i < d->nprocs; i++) {
		const struct proc_acct *r = &d->procs[i];
		fprintf(f,
			"process %d (%s) parent %d: %llu instructions; faults %llu = minor %llu + "
			"major %llu",
			r->pid, r->comm, r->ppid, (ull)r->insns, (ull)(r->minflt + r->majflt),
			(ull)r->minflt, (ull)r->majflt);
		bool any = false;
		for (int k = 0; k < NR_KINDS; k++)
			if (r->kinds[k]) {
				fprintf(f, "%s%s %llu", any ? " + " : " (", kind_names[k],
					(ull)r->kinds[k]);
				any = true;
			}
		fprintf(f, "%s; peak RSS %llu kB; switches %llu voluntary + %llu involuntary; ",
			any ? ")" : "", (ull)r->peak_rss_pages * 4, (ull)r->nvcsw, (ull)r->nivcsw);
		if (!r->ended)
			fprintf(f, "still running\n");
		else if (r->exit_signal)
			fprintf(f, "killed by %s\n", signal_name(r->exit_signal));
		else
			fprintf(f, "exit status %d\n", r->exit_code & 0xff);
	}
}

static void print_json(FILE *f, const struct run_info *ri, struct machine *m,
		       const struct derived *d)
{
	const uint64_t *v = m->ctr.v;
	struct task *t = &m->task;
	fprintf(f, "{\"schema\": %d, \"vmlab_version\": \"%s\", \"argv\": [", VMLAB_STATS_SCHEMA,
		VMLAB_VERSION);
	for (int i = 0; i < ri->argc; i++) {
		fprintf(f, "%s", i ? ", " : "");
		json_str(f, ri->argv[i]);
	}
	fprintf(f, "], \"program\": ");
	if (ri->program)
		json_str(f, ri->program);
	else
		fprintf(f, "null");
	fprintf(f, ", \"config\": ");
	machine_config_print(f, &m->cfg, true);
	fprintf(f, ", \"execution\": {\"jit\": %s, \"jit_threshold\": %u, \"max_insns\": %llu}",
		m->cfg.no_jit ? "false" : "true", m->cfg.jit_threshold, (ull)m->cfg.max_insns);
	fprintf(f, ", \"guest\": {\"env_base\": \"%s\", \"env\": [", ri->env_base);
	for (char **e = ri->env; e && *e; e++) {
		fprintf(f, "%s", e == ri->env ? "" : ", ");
		json_str(f, *e);
	}
	fprintf(f, "], \"rlimits\": {");
	for (int r = 0; r < VMLAB_RLIM_NLIMITS; r++) {
		fprintf(f, "%s\"%s\": {\"cur\": ", r ? ", " : "", rlimit_name(r));
		json_limit(f, t->rlim[r].cur);
		fprintf(f, ", \"max\": ");
		json_limit(f, t->rlim[r].max);
		fprintf(f, "}");
	}
	fprintf(f, "}, \"uid\": %u, \"gid\": %u}", t->uid, t->gid);
	fprintf(f,
		", \"exit\": {\"ran\": %s, \"status\": %d, \"code\": ", ri->ran ? "true" : "false",
		ri->status);
	if (ri->ran && t->exited && !t->exit_signal)
		fprintf(f, "%d", t->exit_code);
	else
		fprintf(f, "null");
	fprintf(f, ", \"signal\": ");
	if (ri->ran && t->exit_signal)
		fprintf(f, "%d, \"signal_name\": \"%s\"", t->exit_signal,
			signal_name(t->exit_signal));
	else
		fprintf(f, "null, \"signal_name\": null");
	fprintf(f, ", \"insn_limit_hit\": %s}", m->insn_limit_hit ? "true" : "false");
	fprintf(f, ", \"wall_seconds\": %.6f, \"instructions\": %llu", ri->wall_seconds,
		(ull)d->insns);
	fprintf(f,
		", \"rates\": {\"mips\": %.3f, \"tlb_hit_percent\": %.4f, "
		"\"faults_per_million_insns\": %.3f}",
		d->mips, d->tlb_hit_pct, d->faults_per_minsn);
	fprintf(f,
		", \"faults\": {\"total\": %llu, \"minor\": %llu, \"major\": %llu, \"by_kind\": {",
		(ull)d->faults, (ull)d->minor, (ull)d->major);
	for (int k = 0; k < NR_KINDS; k++)
		fprintf(f, "%s\"%s\": %llu", k ? ", " : "", kind_names[k], (ull)d->kinds[k]);
	fprintf(f, "}, \"stack_growth\": %llu, \"sigsegv\": %llu, \"sigbus\": %llu}",
		(ull)v[CTR_fault_stack_growth], (ull)v[CTR_fault_sigsegv],
		(ull)v[CTR_fault_sigbus]);
	fprintf(f,
		", \"tlb\": {\"lookups\": %llu, \"data_lookups\": %llu, \"fetch_lookups\": %llu, "
		"\"hits\": %llu, \"misses\": %llu, \"flushes\": {\"cr3\": %llu, \"cr4\": %llu, "
		"\"invlpg\": %llu, \"invlpg_user\": %llu, \"invlpg_kernel\": %llu, "
		"\"user_range\": %llu, \"kernel\": %llu}, \"page_walks\": %llu}",
		(ull)v[CTR_tlb_lookups], (ull)d->tlb_data, (ull)d->tlb_fetch, (ull)v[CTR_tlb_hits],
		(ull)v[CTR_tlb_misses], (ull)v[CTR_tlb_flush_cr3], (ull)v[CTR_tlb_flush_cr4],
		(ull)v[CTR_tlb_flush_invlpg], (ull)d->invlpg_user, (ull)v[CTR_tlb_invlpg_kernel],
		(ull)v[CTR_tlb_flush_user_range], (ull)v[CTR_tlb_flush_kernel],
		(ull)v[CTR_page_walks]);
	fprintf(f, ", \"peak_rss_kb\": %llu, \"minflt\": %llu, \"majflt\": %llu",
		(ull)d->peak_kb, (ull)t->min_flt, (ull)t->maj_flt);
	if (m->km_ok)
		fprintf(f, ", \"mapped_peaks\": {\"anon\": %llu, \"file\": %llu, \"shared\": %llu}",
			(ull)m->km.peak_anon_mapped, (ull)m->km.peak_file_mapped,
			(ull)m->km.peak_shared_mapped);
	fprintf(f, ", \"zones\": {");
	bool first = true;
	for (int z = 0; m->km_ok && z < MAX_NR_ZONES; z++) {
		struct zone *zn = &m->km.zones[z];
		if (!populated_zone(zn))
			continue;
		fprintf(f, "%s\"%s\": {\"present\": %llu, \"managed\": %llu, \"free\": %llu}",
			first ? "" : ", ", zn->name, (ull)zn->present_pages, (ull)zn->managed_pages,
			(ull)zn->free_pages);
		first = false;
	}
	fprintf(f, "}, \"processes\": ");
	json_procs(f, d);
	fprintf(f, ", \"counters\": ");
	counters_print_json(f, &m->ctr);
	fprintf(f, "}\n");
}

static void print_text(FILE *f, const struct run_info *ri, struct machine *m,
		       const struct derived *d)
{
	const uint64_t *v = m->ctr.v;
	struct task *t = &m->task;
	fprintf(f, "---- vmlab statistics ----\n");
	/* the two host-side lines: they change from run to run, the rest does not */
	fprintf(f, "command:");
	for (int i = 0; i < ri->argc; i++)
		fprintf(f, " %s", ri->argv[i]);
	fprintf(f, "\nwall time: %.3f s, %.1f MIPS (vmlab %s)\n", ri->wall_seconds, d->mips,
		VMLAB_VERSION);
	machine_config_print(f, &m->cfg, false);
	fprintf(f, "guest environment (%s):", ri->env_base);
	for (char **e = ri->env; e && *e; e++)
		fprintf(f, " %s", *e);
	fprintf(f, "%s\nguest limits (soft/hard):", ri->env && *ri->env ? "" : " (empty)");
	for (int r = 0; r < VMLAB_RLIM_NLIMITS; r++) {
		fprintf(f, "%s %s ", r ? "," : "", rlimit_name(r));
		text_limit(f, t->rlim[r].cur);
		fputc('/', f);
		text_limit(f, t->rlim[r].max);
	}
	fprintf(f, "\nexit: ");
	if (!ri->ran)
		fprintf(f, "the program did not run (status %d)\n", ri->status);
	else if (t->exit_signal)
		fprintf(f, "killed by %s (status %d)%s\n", signal_name(t->exit_signal), ri->status,
			m->insn_limit_hit ? ", --max-insns reached" : "");
	else
		fprintf(f, "status %d\n", ri->status);
	fprintf(f, "instructions retired: %llu\n", (ull)d->insns);
	fprintf(f, "faults: %llu = minor %llu + major %llu; %.1f per million instructions\n",
		(ull)d->faults, (ull)d->minor, (ull)d->major, d->faults_per_minsn);
	fprintf(f, "  by kind:");
	for (int k = 0; k < NR_KINDS; k++)
		fprintf(f, "%s %s %llu", k ? " +" : "", kind_names[k], (ull)d->kinds[k]);
	fprintf(f, " = %llu", (ull)d->kinds_sum);
	if (d->kinds_sum != d->faults)
		fprintf(f, " (%lld not classified)", (long long)(d->faults - d->kinds_sum));
	fprintf(f,
		"\n  stack growth %llu (already in the kinds); not resolved: sigsegv %llu, "
		"sigbus %llu\n",
		(ull)v[CTR_fault_stack_growth], (ull)v[CTR_fault_sigsegv],
		(ull)v[CTR_fault_sigbus]);
	fprintf(f, "tlb: lookups %llu = data %llu + fetch %llu (one per basic-block entry)\n",
		(ull)v[CTR_tlb_lookups], (ull)d->tlb_data, (ull)d->tlb_fetch);
	fprintf(f, "  hits %llu (%.2f%%) + misses %llu; page walks %llu\n", (ull)v[CTR_tlb_hits],
		d->tlb_hit_pct, (ull)v[CTR_tlb_misses], (ull)v[CTR_page_walks]);
	fprintf(f,
		"  flushes: cr3 %llu, cr4 %llu, user range %llu, kernel %llu; invlpg %llu = "
		"user %llu + kernel mappings %llu\n",
		(ull)v[CTR_tlb_flush_cr3], (ull)v[CTR_tlb_flush_cr4],
		(ull)v[CTR_tlb_flush_user_range], (ull)v[CTR_tlb_flush_kernel],
		(ull)v[CTR_tlb_flush_invlpg], (ull)d->invlpg_user, (ull)v[CTR_tlb_invlpg_kernel]);
	fprintf(f, "peak RSS: %llu kB\n", (ull)d->peak_kb);
	if (m->km_ok)
		fprintf(f,
			"mapped frames (peaks): anonymous %llu, file-backed %llu, shared (two or more "
			"PTEs) %llu\n",
			(ull)m->km.peak_anon_mapped, (ull)m->km.peak_file_mapped,
			(ull)m->km.peak_shared_mapped);
	text_procs(f, d);
	for (int z = 0; m->km_ok && z < MAX_NR_ZONES; z++) {
		struct zone *zn = &m->km.zones[z];
		if (!populated_zone(zn))
			continue;
		fprintf(f, "zone %-8s present %8llu managed %8llu free %8llu pages\n", zn->name,
			(ull)zn->present_pages, (ull)zn->managed_pages, (ull)zn->free_pages);
	}
	if (m->km_ok)
		swap_print_stats(f, &m->km, false);
	fprintf(f, "counters:\n");
	counters_print(f, &m->ctr, 0);
}

void run_stats_print(FILE *f, const struct run_info *ri, struct machine *m, bool json)
{
	struct derived d;
	derive(&d, ri, m);
	if (json)
		print_json(f, ri, m, &d);
	else
		print_text(f, ri, m, &d);
	free(d.procs);
	fflush(f);
}

void run_stats_help(FILE *f)
{
	fprintf(
	    f,
	    "vmlab run --stats: the lines of the text form (--stats=json carries the same\n"
	    "numbers; schema in docs/stats.schema.json, described in docs/observe.md).\n\n"
	    "command:       vmlab's command line (host-side: differs between runs)\n"
	    "wall time:     host seconds from start to exit; MIPS = instructions retired /\n"
	    "               wall time / 10^6 (host-side: differs between runs)\n"
	    "machine:       the configuration: RAM, split, paging mode, TLB geometry and\n"
	    "               policy, fault-around, overcommit, THP, seed, layout, CPU vendor\n"
	    "guest environment: the variables the program was given, and where they came from\n"
	    "               (fixed: vmlab's default, host: --env-host, clear: --env-clear)\n"
	    "guest limits:  getrlimit's soft/hard value of each resource at exec\n"
	    "exit:          the program's exit status, or the signal that ended it\n"
	    "instructions retired: x86 instructions completed (a REP string instruction is one)\n"
	    "faults:        page faults the kernel resolved = minor + major (getrusage's\n"
	    "               ru_minflt + ru_majflt), of every process that ran; per million\n"
	    "               instructions retired\n"
	    "  by kind:     how each resolved fault was served; the kinds sum to the total:\n"
	    "               demand_zero  anonymous write fault, a fresh zeroed page\n"
	    "               zero_page    anonymous read fault, the shared zero page mapped\n"
	    "               file         file-backed fault served from the page cache\n"
	    "               cow          copy-on-write: a page copied for a private write\n"
	    "               wp_reuse     write-protect fault on a page the process alone maps:\n"
	    "                            made writable without a copy\n"
	    "               thp          a transparent huge page mapped\n"
	    "               special      a [vdso] or [vvar] page mapped\n"
	    "               spurious     the PTE already allowed the access (stale TLB entry)\n"
	    "               swapin       a swap entry: the page from the swap cache (minor) or\n"
	    "                            read from swap (major; docs/swap.md)\n"
	    "  stack growth: faults that also grew the stack VMA (each counted in a kind)\n"
	    "  not resolved: faults that became SIGSEGV or SIGBUS (not in the total)\n"
	    "tlb: lookups   modelled-TLB lookups = data (one per data access per page touched)\n"
	    "               + fetch (one per basic-block entry, not per instruction)\n"
	    "  hits/misses: lookups that hit / missed every TLB level; hits %% = hits / lookups;\n"
	    "               page walks: walks of the page tables by the MMU\n"
	    "  flushes:     whole-TLB flushes by CR3 loads, CR4/CR0 changes, user ranges above\n"
	    "               33 pages, kernel ranges; invlpg = single-page invalidations, split\n"
	    "               into user pages (munmap, mprotect, COW...) and kernel mappings\n"
	    "               (kunmap_local's fixmap slots, vmalloc, pkmap)\n"
	    "peak RSS:      the largest resident set of the program vmlab started (VmHWM)\n"
	    "mapped frames: the peaks over the run, each on its own, of the user frames mapped\n"
	    "               as anonymous memory (AnonPages), from files (Mapped, the page cache\n"
	    "               frames of libraries and file mappings) and by two or more PTEs\n"
	    "               (shared: after fork, shared libraries, shm; each frame once)\n"
	    "processes:     how many processes ran (the program and every process it forked)\n"
	    "process:       one line each, in the order they started: pid (command, after\n"
	    "               exec) and the parent that forked it; instructions retired by its\n"
	    "               threads; its faults = minor + major with the kinds that are not zero\n"
	    "               (charged to the process on the CPU); its peak RSS; its context\n"
	    "               switches as /proc/PID/status counts them (voluntary: it blocked;\n"
	    "               involuntary: its time slice ended); how it ended. Instructions,\n"
	    "               faults, minor, major and each kind sum over the lines to the totals\n"
	    "zone:          physical frames per zone at exit: present, managed by the buddy\n"
	    "               allocator, free\n"
	    "memory pressure: (with --swap or --reclaim) the swap area's size and the policy\n"
	    "reclaim/swap:  (when reclaim is set up) the policy, swap size and peak use; major\n"
	    "               faults, swap-ins, pages read from and written to swap, pages\n"
	    "               read ahead and how many of them faults found; pages\n"
	    "               scanned and stolen by kswapd and direct reclaim, anon and file;\n"
	    "               kswapd wake-ups, direct-reclaim stalls, OOM kills (docs/swap.md)\n"
	    "counters:      every non-zero counter, with its unit and meaning\n");
}
