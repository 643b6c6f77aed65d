/*
 * The stub's `monitor` commands: the memory system of the stopped program, read without
 * changing it (no TLB lookup counted, no A/D bit set, no page brought in).
 */
#include <stdlib.h>
#include <string.h>

#include "cli/gdbstub.h"
#include "cli/translate.h"
#include "cli/translate_print.h"
#include "kernel/procfs.h"

static struct task *cur(struct gdbstub *g)
{
	struct task *t = g->m->sched.current;
	return t ? t : &g->m->task;
}

static bool parse_addr(const char *s, uint32_t *a)
{
	char *end;
	while (*s == ' ')
		s++;
	if (!*s)
		return false;
	unsigned long long v = strtoull(s, &end, 0);
	while (*end == ' ')
		end++;
	if (v > 0xffffffffull || (*end && *end != ' '))
		return false;
	*a = (uint32_t)v;
	return true;
}

static void mon_translate(struct gdbstub *g, const char *arg, FILE *f)
{
	char addr[64] = "", kind[16] = "read";
	uint32_t a;
	if (sscanf(arg, "%63s %15s", addr, kind) < 1 || !parse_addr(addr, &a)) {
		fprintf(f, "usage: monitor translate ADDR [read|write|fetch]\n");
		return;
	}
	enum mmu_access acc = !strcmp(kind, "write")   ? ACC_WRITE
			      : !strcmp(kind, "fetch") ? ACC_FETCH
						       : ACC_READ;
	trp_walk_live(f, &g->m->mmu, a, acc, true);
	char vma[256] = "";
	signal_describe_addr(cur(g), a, vma, sizeof vma);
	const char *v = vma;
	while (*v == ' ' || *v == ',')
		v++;
	fprintf(f, "  VMA: %s\n", *v ? v : "none (no VMA)");
}

static void mon_pte(struct gdbstub *g, const char *arg, FILE *f)
{
	uint32_t a;
	if (!parse_addr(arg, &a)) {
		fprintf(f, "usage: monitor pte ADDR\n");
		return;
	}
	struct mmu *m = &g->m->mmu;
	enum paging_mode mode = paging_mode_of(&m->regs);
	struct walk_result wr;
	struct x86_exception ex;
	int rc = paging_walk(&g->m->pm, &m->regs, a, ACC_READ, true, false, &wr, &ex);
	fprintf(f, "0x%08x: CR3 0x%08x, paging %s\n", a, m->regs.cr3,
		mode == PAGING_PAE	? "pae"
		: mode == PAGING_2LEVEL ? "2level"
					: "off");
	for (unsigned i = 0; i < wr.nsteps; i++) {
		const struct walk_step *s = &wr.steps[i];
		char bits[128];
		trp_entry_bits(bits, sizeof bits, s->entry, s->level, mode);
		fprintf(f, "  %-5s [0x%03x] at 0x%08llx = 0x%0*llx  %s\n",
			s->level == 3	? "PDPTE"
			: s->level == 2 ? "PDE"
					: "PTE",
			s->index, (unsigned long long)s->addr, mode == PAGING_PAE ? 16 : 8,
			(unsigned long long)s->entry, bits);
	}
	if (rc)
		fprintf(f, "  not mapped for a user read (#PF error code 0x%x)\n", ex.error_code);
	else
		fprintf(f, "  -> physical 0x%08llx (%s page)\n", (unsigned long long)wr.pa,
			trp_size_name(wr.page_size));
}

static void print_tlb(FILE *f, struct tlb *t)
{
	if (!t)
		return;
	const struct tlb_stats *st = tlb_get_stats(t);
	fprintf(f,
		"%s: %u of %u entries valid; lookups %llu, hits %llu, misses %llu, "
		"evictions %llu, flushes %llu, invlpg %llu\n",
		tlb_name(t), tlb_valid_entries(t), tlb_count_entries(t),
		(unsigned long long)st->lookups, (unsigned long long)st->hits,
		(unsigned long long)st->misses, (unsigned long long)st->evictions,
		(unsigned long long)st->flushes, (unsigned long long)st->invlpg);
	unsigned ways = tlb_ways(t);
	for (unsigned i = 0; i < tlb_count_entries(t); i++) {
		const struct tlb_entry *e = tlb_entry_at(t, i);
		if (!e)
			continue;
		fprintf(f,
			"  set %3u way %2u: page 0x%08x (%s) -> frame 0x%08llx  RW=%d US=%d NX=%d "
			"D=%d G=%d",
			i / ways, i % ways, (uint32_t)((uint64_t)e->vpn << e->page_shift),
			trp_size_name(1ull << e->page_shift), (unsigned long long)e->frame,
			e->writable, e->user, e->nx, e->dirty, e->global);
		if (e->asid)
			fprintf(f, " ASID=%u", e->asid);
		fputc('\n', f);
	}
}

static void mon_tlb(struct gdbstub *g, FILE *f)
{
	struct mmu *m = &g->m->mmu;
	if (!m->tlbcfg.enabled || !m->dtlb) {
		fprintf(f, "no TLB modelled (--no-tlb)\n");
		return;
	}
	print_tlb(f, m->dtlb);
	if (m->itlb != m->dtlb)
		print_tlb(f, m->itlb);
	print_tlb(f, m->l2tlb);
}

static void mon_maps(struct gdbstub *g, FILE *f)
{
	size_t len = 0;
	int err = 0;
	char *text = procfs_generate(cur(g), "/proc/self/maps", &len, &err);
	if (!text) {
		fprintf(f, "cannot list the mappings (error %d)\n", err);
		return;
	}
	fwrite(text, 1, len, f);
	free(text);
}

bool gdbstub_monitor(struct gdbstub *g, const char *cmd, FILE *f)
{
	while (*cmd == ' ')
		cmd++;
	size_t n = strcspn(cmd, " ");
	const char *arg = cmd + n;
	if (n == 9 && !strncmp(cmd, "translate", n))
		mon_translate(g, arg, f);
	else if (n == 3 && !strncmp(cmd, "pte", n))
		mon_pte(g, arg, f);
	else if (n == 3 && !strncmp(cmd, "tlb", n))
		mon_tlb(g, f);
	else if (n == 4 && !strncmp(cmd, "maps", n))
		mon_maps(g, f);
	else if (n == 5 && !strncmp(cmd, "stats", n)) {
		fprintf(f, "instructions retired %llu\n", (unsigned long long)g->m->cpu.insns);
		counters_print(f, &g->m->ctr, 0);
	} else if (n == 4 && !strncmp(cmd, "help", n))
		fprintf(
		    f, "monitor translate ADDR [read|write|fetch]  the walk of ADDR, step by step\n"
		       "monitor pte ADDR   the paging entries on ADDR's path\n"
		       "monitor maps       the process's mappings (/proc/self/maps)\n"
		       "monitor tlb        the TLBs' entries and statistics\n"
		       "monitor stats      the counters so far\n");
	else
		return false;
	return true;
}
