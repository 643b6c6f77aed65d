/*
 * Builds a parsed machine state into the hw model, in the order a kernel would: memory
 * (page tables), control registers, descriptor tables, segment loads, then the TLB contents.
 */
#include "cli/translate_machine.h"
#include "cli/translate_print.h"
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

static int berr(const struct tr_state *st, FILE *err, int line, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));
static int berr(const struct tr_state *st, FILE *err, int line, const char *fmt, ...)
{
	va_list ap;
	if (line > 0)
		fprintf(err, "%s:%d: ", st->file, line);
	else
		fprintf(err, "%s: ", st->file);
	va_start(ap, fmt);
	vfprintf(err, fmt, ap);
	va_end(ap);
	fputc('\n', err);
	return -1;
}

const char *tr_mode_name(enum paging_mode mode)
{
	return mode == PAGING_PAE      ? "PAE (3-level)"
	       : mode == PAGING_2LEVEL ? "32-bit (2-level)"
				       : "off";
}

static bool range_is_ram(const struct physmem *pm, phys_addr_t pa, unsigned size)
{
	return physmem_is_ram(pm, pa) && physmem_is_ram(pm, pa + size - 1);
}

/* Linear to physical for the setup writes of descriptor tables: the model's walker with no
 * A/D side effects, as a loader with its own view of the tables would place them. */
static int setup_linear(struct machine *mc, uint32_t lin, phys_addr_t *pa)
{
	struct walk_result res;
	struct x86_exception ex;
	if (paging_walk(&mc->pm, &mc->m.regs, lin, ACC_READ, false, false, &res, &ex))
		return -1;
	*pa = res.pa;
	return 0;
}

static int write_table_entry(struct machine *mc, const struct tr_state *st, FILE *err,
			     const char *table, uint32_t base, uint32_t limit,
			     const struct tr_desc *d)
{
	uint64_t off = (uint64_t)d->index * 8;
	if (off + 7 > limit)
		return berr(st, err, d->line,
			    "%s entry %u (bytes 0x%llx..0x%llx) lies beyond the table limit 0x%x",
			    table, d->index, (unsigned long long)off, (unsigned long long)off + 7,
			    limit);
	for (unsigned i = 0; i < 8; i++) {
		phys_addr_t pa;
		uint32_t lin = base + (uint32_t)off + i;
		if (setup_linear(mc, lin, &pa))
			return berr(st, err, d->line,
				    "%s entry %u: linear 0x%08x is not mapped by the page tables "
				    "(map the table first)",
				    table, d->index, lin);
		if (!range_is_ram(&mc->pm, pa, 1))
			return berr(st, err, d->line, "%s entry %u: physical 0x%llx is not RAM",
				    table, d->index, (unsigned long long)pa);
		physmem_write(&mc->pm, pa, (d->raw >> (8 * i)) & 0xff, 1);
	}
	return 0;
}

static int entry_size(enum tr_mem_kind k, enum paging_mode mode)
{
	switch (k) {
	case TR_MEM32: return 4;
	case TR_MEM64: return 8;
	case TR_PDPTE: return 8;
	default: return mode == PAGING_PAE ? 8 : 4;
	}
}

static int write_memory(struct machine *mc, const struct tr_state *st, FILE *err)
{
	static const char *const kname[] = {"mem32", "mem64", "pdpte", "pde", "pte"};
	for (size_t i = 0; i < st->mem.n; i++) {
		const struct tr_mem *w = &st->mem.v[i];
		unsigned esize = (unsigned)entry_size(w->kind, mc->mode);
		if (w->kind >= TR_PDPTE) {
			unsigned entries = mc->mode == PAGING_PAE ? 512 : 1024;
			if (mc->mode == PAGING_NONE)
				return berr(st, err, w->line,
					    "%s: paging is off in this state (add 'paging 2level' "
					    "or 'paging pae', or use mem32/mem64)",
					    kname[w->kind]);
			if (w->kind == TR_PDPTE && mc->mode != PAGING_PAE)
				return berr(st, err, w->line,
					    "pdpte: page-directory-pointer tables exist only with "
					    "PAE paging");
			if (w->kind == TR_PDPTE)
				entries = 4;
			if (w->index >= entries)
				return berr(st, err, w->line,
					    "%s index %llu: a %s table has %u entries",
					    kname[w->kind], (unsigned long long)w->index,
					    mc->mode == PAGING_PAE ? "PAE" : "32-bit", entries);
			if (mc->mode == PAGING_2LEVEL && w->value > 0xffffffffull)
				return berr(st, err, w->line,
					    "%s: 32-bit paging entries are 4 bytes; 0x%llx is too "
					    "large",
					    kname[w->kind], (unsigned long long)w->value);
		}
		phys_addr_t pa = w->base + (w->indexed ? w->index * esize : w->index);
		if (!range_is_ram(&mc->pm, pa, esize))
			return berr(
			    st, err, w->line,
			    "%s: physical 0x%llx is not RAM (RAM size %llu MB; 0xa0000-0xfffff "
			    "is the legacy hole)",
			    kname[w->kind], (unsigned long long)pa,
			    (unsigned long long)(st->ram >> 20));
		physmem_write(&mc->pm, pa, w->value, esize);
	}
	return 0;
}

/* CR values: defaults from `paging`, then explicit cr lines; they must agree. */
static int setup_regs(struct machine *mc, const struct tr_state *st, FILE *err,
		      struct paging_regs *r)
{
	*r = (struct paging_regs){.cr0 = CR0_PE, .maxphyaddr = st->maxphyaddr};
	if (st->paging_set && st->paging != PAGING_NONE)
		r->cr0 |= CR0_PG;
	if (st->paging_set && st->paging == PAGING_PAE)
		r->cr4 |= CR4_PAE;
	if (st->cr0_set)
		r->cr0 = st->cr0;
	if (st->cr3_set)
		r->cr3 = st->cr3;
	if (st->cr4_set)
		r->cr4 = st->cr4;
	if (st->efer_set)
		r->efer = st->efer;
	if (!(r->cr0 & CR0_PE))
		return berr(st, err, st->cr_line,
			    "CR0.PE is clear: vmlab translate models protected mode only");
	mc->mode = paging_mode_of(r);
	if (st->paging_set && mc->mode != st->paging)
		return berr(st, err, st->cr_line ? st->cr_line : st->paging_line,
			    "'paging' says %s but CR0/CR4 give paging %s", tr_mode_name(st->paging),
			    tr_mode_name(mc->mode));
	return 0;
}

static int tlb_preload(struct machine *mc, const struct tr_state *st, FILE *err)
{
	for (size_t i = 0; i < st->tlbents.n; i++) {
		const struct tr_tlbent *t = &st->tlbents.v[i];
		struct tlb *tlb = t->which == TR_TLB_I	  ? mc->m.itlb
				  : t->which == TR_TLB_L2 ? mc->m.l2tlb
							  : mc->m.dtlb;
		if (!st->tlb_set)
			return berr(st, err, t->line,
				    "tlb-entry without a 'tlb GEOMETRY' line: no TLB is modelled");
		if (t->which == TR_TLB_I && !st->tlbcfg.split)
			return berr(st, err, t->line,
				    "tlb-entry ... itlb: the TLB is unified (add itlb=GEOM to the "
				    "'tlb' line)");
		if (!tlb)
			return berr(
			    st, err, t->line,
			    "tlb-entry ... l2: no second-level TLB (add l2=GEOM to the 'tlb' "
			    "line)");
		struct tlb_entry e = t->e;
		if (!st->tlbcfg.asid)
			e.asid = mc->m.asid;
		tlb_insert(tlb, &e);
	}
	return 0;
}

static int load_segments(struct machine *mc, const struct tr_state *st, FILE *err)
{
	if (st->ldtr_set) {
		struct x86_exception ex;
		if (mmu_load_ldtr(&mc->m, st->ldtr, &ex)) {
			berr(st, err, st->ldtr_line,
			     "ldtr 0x%04x: LLDT refuses it (%s, error code 0x%x): it must select a "
			     "present LDT descriptor in the GDT (S=0, type 2, e.g. 'gdt N base=.. "
			     "limit=.. type=ldt')",
			     st->ldtr, trp_vector_name(ex.vector), ex.error_code);
			return -1;
		}
	} else if (st->ldt.n) {
		return berr(
		    st, err, st->ldt.v[0].line,
		    "ldt entries need an LDT: add 'ldtr SELECTOR' naming its GDT descriptor");
	}
	for (size_t i = 0; i < st->ldt.n; i++)
		if (write_table_entry(mc, st, err, "LDT", mc->m.seg.ldtr_base, mc->m.seg.ldtr_limit,
				      &st->ldt.v[i]))
			return -1;
	mc->m.cpl = st->cpl_set ? st->cpl : st->sreg_set[SR_CS] ? SEL_RPL(st->sreg[SR_CS]) : 0;
	/* CS first (it fixes the CPL the others are checked against), then SS, then data */
	static const enum sreg order[] = {SR_CS, SR_SS, SR_DS, SR_ES, SR_FS, SR_GS};
	for (unsigned i = 0; i < SR_COUNT; i++) {
		enum sreg sr = order[i];
		if (!st->sreg_set[sr])
			continue;
		mc->loaded[sr] = true;
		mc->load_rc[sr] = mmu_load_seg(&mc->m, sr, st->sreg[sr], &mc->load_ex[sr]);
	}
	return 0;
}

void machine_free(struct machine *mc)
{
	if (mc->mmu_ok)
		mmu_destroy(&mc->m);
	if (mc->pm_ok)
		physmem_destroy(&mc->pm);
	free(mc);
}

struct machine *machine_build(const struct tr_state *st, FILE *err)
{
	struct machine *mc = calloc(1, sizeof *mc);
	struct paging_regs r;
	struct tlb_config cfg;
	if (!mc) {
		perror("vmlab translate");
		return NULL;
	}
	if (setup_regs(mc, st, err, &r))
		goto fail;
	bool pae = mc->mode == PAGING_PAE;
	if (physmem_init(&mc->pm, st->ram, pae)) {
		berr(st, err, 0,
		     "cannot build RAM of %llu bytes: it must be a multiple of 4 KB from %llu MB to "
		     "%llu MB (%s; above 4 GB only with PAE)",
		     (unsigned long long)st->ram, (unsigned long long)(PHYSMEM_MIN_RAM >> 20),
		     (unsigned long long)(physmem_max_ram(pae) >> 20),
		     pae ? "PAE paging" : "no PAE");
		goto fail;
	}
	mc->pm_ok = true;
	if (st->tlb_set) {
		cfg = st->tlbcfg;
	} else {
		tlb_config_default(&cfg);
		cfg.enabled = false;
	}
	if (mmu_init(&mc->m, &mc->pm, &cfg, &mc->ctr)) {
		berr(st, err, st->tlb_line, "the model rejected this TLB configuration");
		goto fail;
	}
	mc->mmu_ok = true;
	if (write_memory(mc, st, err))
		goto fail;
	/* the order a kernel uses: tables first, then CR4/EFER, CR3, and CR0.PG last */
	mc->m.regs.maxphyaddr = r.maxphyaddr;
	mmu_write_cr4(&mc->m, r.cr4);
	mmu_write_efer(&mc->m, r.efer);
	mmu_write_cr3(&mc->m, r.cr3);
	mmu_write_cr0(&mc->m, r.cr0);
	if (st->gdt.n && !st->gdtr_set) {
		berr(st, err, st->gdt.v[0].line, "gdt entries need 'gdtr base=ADDR limit=BYTES'");
		goto fail;
	}
	mmu_set_gdtr(&mc->m, st->gdtr_base, st->gdtr_limit);
	for (size_t i = 0; i < st->gdt.n; i++)
		if (write_table_entry(mc, st, err, "GDT", st->gdtr_base, st->gdtr_limit,
				      &st->gdt.v[i]))
			goto fail;
	if (load_segments(mc, st, err))
		goto fail;
	mc->setup_ad = mc->mode != PAGING_NONE && mc->ctr.v[CTR_ad_updates] > 0;
	/* descriptor reads during the loads went through the TLB; the exercise starts from
	 * the TLB contents the file describes, so the set-up's own entries are dropped */
	if (st->tlb_set)
		mmu_flush_tlb(&mc->m, false, CTR_tlb_flush_kernel);
	if (tlb_preload(mc, st, err))
		goto fail;
	return mc;
fail:
	machine_free(mc);
	return NULL;
}
