/* The live machine as a `vmlab translate` state file (dump_state.h). */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "kernel/dump_state.h"
#include "kernel/machine.h"

typedef unsigned long long ull;

int dump_parse_when(const char *s, struct dump_request *d)
{
	if (!strcmp(s, "exit")) {
		d->when = DUMP_EXIT;
	} else if (!strcmp(s, "fault")) {
		d->when = DUMP_FAULT;
	} else if (!strncmp(s, "insn=", 5) && s[5] >= '0' && s[5] <= '9') {
		char *end;
		errno = 0;
		d->insn = strtoull(s + 5, &end, 0);
		if (errno || *end)
			return -1;
		d->when = DUMP_INSN;
	} else {
		return -1;
	}
	return 0;
}

int dump_parse_addrs(const char *s, struct dump_request *d)
{
	d->naddrs = 0;
	while (*s) {
		char *end;
		errno = 0;
		if (*s == '-' || d->naddrs == DUMP_MAX_ADDRS)
			return -1;
		unsigned long long v = strtoull(s, &end, 0);
		if (errno || end == s || v > 0xffffffffull || (*end && *end != ','))
			return -1;
		d->addrs[d->naddrs++] = (uint32_t)v;
		s = *end ? end + 1 : end;
	}
	return d->naddrs ? 0 : -1;
}

/* The paging entries already written, so that each appears once. */
struct seen {
	phys_addr_t addr[64];
	unsigned n;
};

static bool seen_add(struct seen *s, phys_addr_t a)
{
	for (unsigned i = 0; i < s->n; i++)
		if (s->addr[i] == a)
			return false;
	if (s->n < sizeof s->addr / sizeof s->addr[0])
		s->addr[s->n++] = a;
	return true;
}

/* The entries on the path of lin, as the walker reads them (no A/D written). */
static void dump_path(FILE *f, struct machine *m, struct seen *s, uint32_t lin, const char *why)
{
	struct walk_result res;
	struct x86_exception ex;
	if (!(m->mmu.regs.cr0 & CR0_PG))
		return;
	memset(&res, 0, sizeof res);
	paging_walk(&m->pm, &m->mmu.regs, lin, ACC_READ, false, false, &res, &ex);
	bool pae = m->mmu.regs.cr4 & CR4_PAE;
	bool first = true;
	for (unsigned i = 0; i < res.nsteps && i < 3; i++) {
		const struct walk_step *st = &res.steps[i];
		if (!seen_add(s, st->addr))
			continue;
		if (first)
			fprintf(f, "# path of 0x%08x (%s)\n", lin, why);
		first = false;
		fprintf(f, "%s 0x%llx[0x%03x] = 0x%0*llx\n",
			st->level == 3	 ? "pdpte"
			: st->level == 2 ? "pde"
					 : "pte",
			(ull)st->table, st->index, pae ? 16 : 8, (ull)st->entry);
	}
}

/* Reads n bytes at a linear address through the current tables, without side effects. */
static int peek_linear(struct machine *m, uint32_t lin, void *buf, size_t n)
{
	for (size_t done = 0; done < n;) {
		struct walk_result res;
		struct x86_exception ex;
		uint32_t a = lin + (uint32_t)done;
		if (paging_walk(&m->pm, &m->mmu.regs, a, ACC_READ, false, false, &res, &ex))
			return -1;
		size_t k = PAGE_SIZE - (a & (PAGE_SIZE - 1));
		if (k > n - done)
			k = n - done;
		if (!physmem_is_ram(&m->pm, res.pa))
			return -1;
		physmem_read_buf(&m->pm, res.pa, (char *)buf + done, k);
		done += k;
	}
	return 0;
}

static void dump_table(FILE *f, struct machine *m, const char *kw, uint32_t base, uint32_t limit)
{
	for (uint32_t i = 0; (uint64_t)i * 8 + 7 <= limit; i++) {
		uint64_t raw;
		if (peek_linear(m, base + i * 8, &raw, 8))
			break;
		if (raw)
			fprintf(f, "%s %u = 0x%016llx\n", kw, i, (ull)raw);
	}
}

static void geom(char *buf, size_t n, const struct tlb_geometry *g)
{
	snprintf(buf, n, "%ux%u", g->entries, g->ways);
}

static void dump_tlb_entries(FILE *f, struct tlb *t, const char *which, bool asid)
{
	for (unsigned i = 0, n = tlb_count_entries(t); i < n; i++) {
		const struct tlb_entry *e = tlb_entry_at(t, i);
		if (!e)
			continue;
		fprintf(f, "tlb-entry 0x%08x = 0x%llx %s%s%s%s%s%s%s", e->vpn << e->page_shift,
			(ull)e->frame,
			e->page_shift == 22   ? "4m"
			: e->page_shift == 21 ? "2m"
					      : "4k",
			e->writable ? " rw" : "", e->user ? " us" : "", e->nx ? " nx" : "",
			e->global ? " g" : "", e->dirty ? " d" : "", which);
		if (asid)
			fprintf(f, " asid=%u", e->asid);
		fputc('\n', f);
	}
}

static void dump_tlb(FILE *f, struct machine *m)
{
	const struct tlb_config *c = &m->mmu.tlbcfg;
	char g[32];
	if (!c->enabled || !m->mmu.dtlb)
		return;
	geom(g, sizeof g, &c->l1);
	fprintf(f, "\n# the TLB: its geometry and every valid entry (L2, then L1)\n");
	fprintf(f, "tlb %s %s", g, tlb_policy_name(c->policy));
	if (c->policy == TLB_RANDOM)
		fprintf(f, " seed=%llu", (ull)c->seed);
	if (c->split) {
		geom(g, sizeof g, &c->l1i);
		fprintf(f, " itlb=%s", g);
	}
	if (c->l2.entries) {
		geom(g, sizeof g, &c->l2);
		fprintf(f, " l2=%s", g);
	}
	fprintf(f, "%s%s\n", c->asid ? " asid" : "",
		c->refill == TLB_REFILL_SW ? " refill=sw" : "");
	if (m->mmu.l2tlb)
		dump_tlb_entries(f, m->mmu.l2tlb, " l2", c->asid);
	dump_tlb_entries(f, m->mmu.dtlb, "", c->asid);
	if (c->split)
		dump_tlb_entries(f, m->mmu.itlb, " itlb", c->asid);
}

static const char *sreg_name(enum sreg sr)
{
	static const char *const n[SR_COUNT] = {"es", "cs", "ss", "ds", "fs", "gs"};
	return n[sr];
}

int dump_state_write(struct machine *m, struct task *t, const char *why, bool has_fault,
		     uint32_t fault_addr, uint32_t err)
{
	struct dump_request *d = m->dump;
	d->done = true;
	FILE *f = fopen(d->path, "we");
	if (!f) {
		fprintf(stderr, "vmlab: --dump-state %s: %s\n", d->path, strerror(errno));
		return -1;
	}
	const struct paging_regs *r = &m->mmu.regs;
	const struct seg_state *sg = &m->mmu.seg;
	enum paging_mode mode = paging_mode_of(r);
	struct cpu *c = &m->cpu;
	uint32_t eip = c->eip, esp = c->regs[R_ESP];
	fprintf(f, "# vmlab run --dump-state=%s: the machine of pid %d (%s) at instruction %llu\n",
		why, t->tgid, t->comm ? t->comm : "?", (ull)c->insns);
	if (has_fault)
		fprintf(f,
			"# the first page fault that raised a signal: address 0x%08x, error code "
			"0x%x\n",
			fault_addr, err);
	fprintf(f, "# EIP 0x%08x, ESP 0x%08x. Replay: vmlab translate FILE, or\n", eip, esp);
	fprintf(f, "# vmlab translate --state FILE ADDR for any address on a path below.\n");
	fprintf(f, "paging %s\n",
		mode == PAGING_PAE	? "pae"
		: mode == PAGING_2LEVEL ? "2level"
					: "none");
	fprintf(f, "ram %lluK\n", (ull)(m->cfg.ram_bytes >> 10));
	if (r->maxphyaddr)
		fprintf(f, "maxphyaddr %u\n", r->maxphyaddr);
	fprintf(f, "cr0 0x%08x\ncr3 0x%08x\ncr4 0x%08x\n", r->cr0, r->cr3, r->cr4);
	if (r->efer)
		fprintf(f, "efer 0x%llx\n", (ull)r->efer);
	fprintf(f, "cpl %u\n", m->mmu.cpl);

	/* the page-table entries first: the descriptor tables are reached through them */
	struct seen seen = {.n = 0};
	fprintf(f, "\n");
	if (has_fault)
		dump_path(f, m, &seen, fault_addr, "the faulting address");
	const struct seg_cache *cs = &sg->sr[SR_CS], *ss = &sg->sr[SR_SS];
	dump_path(f, m, &seen, cs->d.base + eip, "EIP");
	dump_path(f, m, &seen, ss->d.base + esp, "ESP");
	for (unsigned i = 0; i < d->naddrs; i++)
		dump_path(f, m, &seen, d->addrs[i], "--dump-addr");
	for (uint32_t a = sg->gdtr_base & PAGE_MASK; a <= sg->gdtr_base + sg->gdtr_limit;
	     a += PAGE_SIZE)
		dump_path(f, m, &seen, a, "the GDT");
	if (sg->ldtr && sg->ldtr_limit)
		for (uint32_t a = sg->ldtr_base & PAGE_MASK; a <= sg->ldtr_base + sg->ldtr_limit;
		     a += PAGE_SIZE)
			dump_path(f, m, &seen, a, "the LDT");

	fprintf(f, "\n# descriptor tables (the non-null entries) and segment registers\n");
	fprintf(f, "gdtr base=0x%08x limit=0x%x\n", sg->gdtr_base, sg->gdtr_limit);
	dump_table(f, m, "gdt", sg->gdtr_base, sg->gdtr_limit);
	if (sg->ldtr && sg->ldtr_limit) {
		fprintf(f, "ldtr 0x%04x\n", sg->ldtr);
		dump_table(f, m, "ldt", sg->ldtr_base, sg->ldtr_limit);
	}
	static const enum sreg order[] = {SR_CS, SR_SS, SR_DS, SR_ES, SR_FS, SR_GS};
	for (unsigned i = 0; i < SR_COUNT; i++)
		if (sg->sr[order[i]].selector & ~3u)
			fprintf(f, "%s = 0x%04x\n", sreg_name(order[i]), sg->sr[order[i]].selector);
	dump_tlb(f, m);

	fprintf(f, "\n# the translations the machine was making\n");
	if (cs->selector & ~3u)
		fprintf(f, "translate cs:0x%08x fetch\n", eip);
	if (ss->selector & ~3u)
		fprintf(f, "translate ss:0x%08x read size=4\n", esp);
	if (has_fault)
		fprintf(f, "translate linear 0x%08x %s %s\n", fault_addr,
			err & PF_W   ? "write"
			: err & PF_I ? "fetch"
				     : "read",
			err & PF_U ? "user" : "kernel");
	for (unsigned i = 0; i < d->naddrs; i++)
		fprintf(f, "translate linear 0x%08x read\n", d->addrs[i]);
	if (fclose(f)) {
		fprintf(stderr, "vmlab: --dump-state %s: %s\n", d->path, strerror(errno));
		return -1;
	}
	return 0;
}
